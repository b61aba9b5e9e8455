/* Tests of the network loader: the small test network read back in full,
 * and bad inputs, each with its exact file, line, column and field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migflow/graph.h"
#include "tree.h"

#define PATH_SIZE 1024

#define PLACES_HEADER "id,name,country,region,lat,lon,kind,population,capacity,security,source\n"
#define LINKS_HEADER                                                                      \
	"from,to,mode,distance_km,travel_days,fare_usd,death_per_day,death_per_crossing," \
	"interception,intercept_to,capacity_per_day,departs,both_ways,source\n"

/* A tiny valid network: home -> hub -> coast -> island (line numbers
 * count the header as line 1). */
#define PLACES_OK                                          \
	PLACES_HEADER                                      \
	"home,Home,Alpha,South,13.5,2.1,origin,1000,0,1,t\n" \
	"hub,Hub,Alpha,North,17,8,hub,0,0,1,t\n"           \
	"coast,Coast,Beta,Coast,32.9,12.1,coast,0,0,1,t\n" \
	"island,Island,Delta,Sea,35.5,12.6,destination,0,0,1,t\n"
#define LINK_HOME_HUB "home,hub,road,700,2,20,0,,,,,,yes,t\n"
#define LINK_HUB_COAST "hub,coast,desert,900,3,100,0.001,,,,,,yes,t\n"
#define LINK_SEA "coast,island,sea,290,1,600,,0.03,0.3,coast,,,no,t\n"
#define LINKS_OK LINKS_HEADER LINK_HOME_HUB LINK_HUB_COAST LINK_SEA

struct scratch {
	char dir[256];
	int cases; /* files written so far, to name the next ones */
};

static int group_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-graph-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int group_teardown(void **state)
{
	struct scratch *s = *state;
	remove_tree(s->dir);
	free(s);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
}

/* Writes places and links into a fresh directory of the scratch area and
 * loads them. */
static struct mf_graph *load_texts(void **state, const char *places, const char *links,
				   struct mf_error *err)
{
	struct scratch *s = *state;
	char dir[PATH_SIZE], places_path[PATH_SIZE], links_path[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/case%d", s->dir, s->cases++);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(places_path, sizeof(places_path), "%s/places.csv", dir);
	snprintf(links_path, sizeof(links_path), "%s/links.csv", dir);
	write_text(places_path, places);
	write_text(links_path, links);
	mf_error_clear(err);
	return mf_graph_load(places_path, links_path, err);
}

static bool ends_with(const char *text, const char *end)
{
	size_t n = strlen(text), m = strlen(end);
	return n >= m && strcmp(text + n - m, end) == 0;
}

/* Loads a bad network and checks the error: file name, line, column,
 * field and a part of the message. */
static void expect_error(void **state, const char *places, const char *links, const char *file,
			 int line, int column, const char *field, const char *message_part)
{
	struct mf_error err;
	struct mf_graph *graph = load_texts(state, places, links, &err);
	if (graph) {
		mf_graph_destroy(graph);
		fail_msg("bad network accepted (expected an error in %s:%d:%d '%s')", file, line,
			 column, field);
	}
	assert_int_equal(err.code, MF_ERR_INPUT);
	if (!ends_with(err.file, file))
		fail_msg("error names file '%s', expected one ending in '%s'", err.file, file);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
	assert_string_equal(err.field, field);
	if (!strstr(err.message, message_part))
		fail_msg("message '%s' lacks '%s'", err.message, message_part);
}

static struct mf_graph *load_small(struct mf_error *err)
{
	const char *data = getenv("MIGFLOW_TEST_DATA");
	char places[PATH_SIZE], links[PATH_SIZE];
	snprintf(places, sizeof(places), "%s/small/places.csv", data ? data : "tests/data");
	snprintf(links, sizeof(links), "%s/small/links.csv", data ? data : "tests/data");
	mf_error_clear(err);
	struct mf_graph *graph = mf_graph_load(places, links, err);
	if (!graph) {
		char text[1024];
		fail_msg("small network failed to load: %s", mf_error_format(err, text, sizeof(text)));
	}
	return graph;
}

static int place(const struct mf_graph *g, const char *id)
{
	int index = mf_graph_place_index(g, id);
	if (index < 0)
		fail_msg("no place '%s'", id);
	return index;
}

static int link_of(const struct mf_graph *g, const char *from, const char *to)
{
	return mf_graph_link_index(g, place(g, from), place(g, to));
}

static void test_small_places(void **state)
{
	(void)state;
	struct mf_error err;
	struct mf_graph *g = load_small(&err);
	assert_int_equal(g->n_places, 10);
	assert_int_equal(g->n_countries, 4);
	static const char *const ids[10] = {"home", "unrest", "hub", "post", "work",
					    "coast", "jail", "camp", "mine", "island"};
	for (int i = 0; i < 10; i++) {
		assert_string_equal(g->places[i].id, ids[i]);
		assert_int_equal(mf_graph_place_index(g, ids[i]), i);
		assert_int_equal(g->places[i].line, 4 + i);
	}
	assert_int_equal(mf_graph_place_index(g, "nowhere"), -1);
	assert_int_equal(mf_graph_place_index(g, ""), -1);

	const struct mf_place *home = &g->places[place(g, "home")];
	assert_string_equal(home->name, "Home Town");
	assert_string_equal(home->country, "Alpha");
	assert_string_equal(home->region, "South");
	assert_true(home->lat == 13.5 && home->lon == 2.1);
	assert_int_equal(home->kind, MF_PLACE_ORIGIN);
	assert_true(home->population == 200000);
	assert_true(home->capacity == 0);
	assert_true(g->places[place(g, "unrest")].security == 0.3);
	assert_int_equal(g->places[place(g, "hub")].kind, MF_PLACE_HUB);
	assert_int_equal(g->places[place(g, "post")].kind, MF_PLACE_BORDER);
	assert_int_equal(g->places[place(g, "coast")].kind, MF_PLACE_COAST);
	assert_int_equal(g->places[place(g, "jail")].kind, MF_PLACE_DETENTION);
	assert_int_equal(g->places[place(g, "camp")].kind, MF_PLACE_CAMP);
	assert_int_equal(g->places[place(g, "island")].kind, MF_PLACE_DESTINATION);
	assert_string_equal(mf_place_kind_name(MF_PLACE_DETENTION), "detention");
	assert_string_equal(mf_link_mode_name(MF_MODE_SEA), "sea");

	/* Countries in order of first appearance. */
	static const char *const countries[4] = {"Alpha", "Beta", "Gamma", "Delta"};
	for (int c = 0; c < 4; c++) {
		assert_string_equal(g->countries[c], countries[c]);
		assert_int_equal(mf_graph_country_index(g, countries[c]), c);
	}
	assert_int_equal(mf_graph_country_index(g, "Epsilon"), -1);
	for (int i = 0; i < g->n_places; i++)
		assert_string_equal(g->countries[g->places[i].country_index], g->places[i].country);
	assert_int_equal(g->places[place(g, "post")].country_index, 0);
	assert_int_equal(g->places[place(g, "jail")].country_index, 1);
	assert_int_equal(g->places[place(g, "mine")].country_index, 2);
	assert_int_equal(g->places[place(g, "island")].country_index, 3);
	mf_graph_destroy(g);
}

static void test_small_links(void **state)
{
	(void)state;
	struct mf_error err;
	struct mf_graph *g = load_small(&err);
	/* 11 rows: 8 with both_ways=yes (2 links each) and 3 one-way. */
	assert_int_equal(g->n_links, 8 * 2 + 3);

	/* Compressed adjacency: offsets cover all links, and every link is
	 * listed exactly once, under its own from place. */
	assert_int_equal(g->out_offset[0], 0);
	assert_int_equal(g->out_offset[g->n_places], g->n_links);
	int *seen = calloc((size_t)g->n_links, sizeof(int));
	assert_non_null(seen);
	for (int p = 0; p < g->n_places; p++) {
		assert_true(g->out_offset[p] <= g->out_offset[p + 1]);
		for (int k = g->out_offset[p]; k < g->out_offset[p + 1]; k++) {
			int l = g->out_links[k];
			assert_true(l >= 0 && l < g->n_links);
			assert_int_equal(g->links[l].from, p);
			seen[l]++;
		}
	}
	for (int l = 0; l < g->n_links; l++)
		assert_int_equal(seen[l], 1);
	free(seen);
	assert_int_equal(g->out_offset[place(g, "island") + 1] - g->out_offset[place(g, "island")], 0);
	assert_int_equal(g->out_offset[place(g, "hub") + 1] - g->out_offset[place(g, "hub")], 3);

	/* Link lookups, both directions of both_ways rows. */
	for (int l = 0; l < g->n_links; l++)
		assert_int_equal(mf_graph_link_index(g, g->links[l].from, g->links[l].to), l);
	assert_true(link_of(g, "home", "hub") >= 0);
	assert_true(link_of(g, "hub", "home") >= 0);
	assert_true(link_of(g, "post", "work") >= 0 && link_of(g, "work", "post") >= 0);
	assert_int_equal(link_of(g, "island", "coast"), -1);
	assert_int_equal(link_of(g, "home", "island"), -1);
	assert_int_equal(mf_graph_link_index(g, -1, 0), -1);
	assert_int_equal(mf_graph_link_index(g, g->n_places, 0), -1);

	/* Two one-way rows between hub and post, with their own numbers. */
	const struct mf_link *hub_post = &g->links[link_of(g, "hub", "post")];
	const struct mf_link *post_hub = &g->links[link_of(g, "post", "hub")];
	assert_int_equal(hub_post->mode, MF_MODE_DESERT);
	assert_true(hub_post->fare_usd == 170 && post_hub->fare_usd == 100);
	assert_true(hub_post->distance_km == 600);
	assert_true(hub_post->death_per_day == 0.001);
	assert_true(hub_post->capacity_per_day == 200 && post_hub->capacity_per_day == 0);
	assert_int_equal(hub_post->departs_weekday, 0); /* "mon" */
	assert_int_equal(post_hub->departs_weekday, -1);
	assert_int_equal(hub_post->travel_days, 3);
	assert_int_equal(hub_post->line, 7);
	assert_int_equal(post_hub->line, 8);

	/* A both_ways row gives two links with the same numbers. */
	const struct mf_link *out = &g->links[link_of(g, "home", "hub")];
	const struct mf_link *back = &g->links[link_of(g, "hub", "home")];
	assert_int_equal(out->travel_days, 2);
	assert_int_equal(back->travel_days, 2);
	assert_true(out->distance_km == 740 && back->distance_km == 740);
	assert_true(out->fare_usd == 20 && back->fare_usd == 20);
	assert_int_equal(out->line, 3);
	assert_int_equal(back->line, 3);
	assert_int_equal(out->intercept_to, -1);
	assert_int_equal(out->departs_weekday, -1);

	/* The sea crossing and where the intercepted land. */
	const struct mf_link *sea = &g->links[link_of(g, "coast", "island")];
	assert_int_equal(sea->mode, MF_MODE_SEA);
	assert_int_equal(sea->travel_days, 1);
	assert_true(sea->death_per_crossing == 0.03);
	assert_true(sea->interception == 0.3);
	assert_true(sea->death_per_day == 0);
	assert_int_equal(sea->intercept_to, place(g, "jail"));
	mf_graph_destroy(g);
}

static void test_small_reachable(void **state)
{
	(void)state;
	struct mf_error err;
	struct mf_graph *g = load_small(&err);
	assert_true(mf_graph_reachable(g, place(g, "home"), place(g, "island")));
	assert_true(mf_graph_reachable(g, place(g, "camp"), place(g, "island")));
	assert_true(mf_graph_reachable(g, place(g, "jail"), place(g, "island")));
	assert_true(mf_graph_reachable(g, place(g, "mine"), place(g, "home")));
	assert_true(mf_graph_reachable(g, place(g, "home"), place(g, "home")));
	assert_false(mf_graph_reachable(g, place(g, "island"), place(g, "home")));
	assert_false(mf_graph_reachable(g, place(g, "island"), place(g, "coast")));
	mf_graph_destroy(g);
}

static void test_minimal_network(void **state)
{
	struct mf_error err;
	struct mf_graph *g = load_texts(state, PLACES_OK, LINKS_OK, &err);
	assert_non_null(g);
	assert_int_equal(g->n_places, 4);
	assert_int_equal(g->n_links, 5);
	assert_int_equal(g->links[link_of(g, "coast", "island")].intercept_to, place(g, "coast"));
	mf_graph_destroy(g);

	/* Columns are found by name, in any order; optional ones may be
	 * left out; quotes, comments and CRLF are fine. */
	g = load_texts(state,
		       "# comment\r\n"
		       "kind,lat,lon,id,country,name\r\n"
		       "origin,1,2,home,\"Alpha, North\",\"Home \"\"Town\"\"\"\r\n"
		       "destination,3,4,island,Delta,Island\r\n",
		       "to,from,mode,distance_km\n"
		       "island,home,sea,300\n",
		       &err);
	if (!g) {
		char text[1024];
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
	}
	assert_int_equal(g->n_places, 2);
	assert_string_equal(g->places[0].country, "Alpha, North");
	assert_string_equal(g->places[0].name, "Home \"Town\"");
	assert_true(g->places[0].security == 1);
	assert_int_equal(g->places[1].line, 4);
	assert_int_equal(g->n_links, 1);
	assert_int_equal(g->links[0].from, 0);
	assert_int_equal(g->links[0].travel_days, 0);
	assert_int_equal(g->links[0].departs_weekday, -1);
	assert_int_equal(g->links[0].intercept_to, -1);
	mf_graph_destroy(g);
	mf_graph_destroy(NULL);
}

static void test_unknown_place(void **state)
{
	expect_error(state, PLACES_OK, LINKS_HEADER LINK_HOME_HUB "hub,coats,desert,900,3,100,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 3, 5, "to", "did you mean 'coast'?");
	expect_error(state, PLACES_OK, LINKS_HEADER "hoem,hub,road,700,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 1, "from", "did you mean 'home'?");
	expect_error(state, PLACES_OK,
		     LINKS_HEADER LINK_HOME_HUB LINK_HUB_COAST "coast,island,sea,290,1,600,,0.03,0.3,jail,,,no,t\n",
		     "links.csv", 4, 38, "intercept_to", "unknown place");
	/* Nothing close: no suggestion. */
	struct mf_error err;
	assert_null(load_texts(state, PLACES_OK, LINKS_HEADER "home,zanzibar,road,700,2,20,0,,,,,,yes,t\n", &err));
	assert_string_equal(err.field, "to");
	assert_null(strstr(err.message, "did you mean"));
}

static void test_unknown_place_long_path(void **state)
{
	/* The suggestion survives a long (but ordinary) directory name. */
	struct scratch *s = *state;
	char dir[PATH_SIZE], places[PATH_SIZE], links[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/a-rather-long-directory-name-for-a-project-checkout-"
		 "on-a-shared-machine-with-many-scenario-variants-2024", s->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(places, sizeof(places), "%s/places.csv", dir);
	snprintf(links, sizeof(links), "%s/links.csv", dir);
	write_text(places, PLACES_OK);
	write_text(links, LINKS_HEADER "home,hubb,road,700,2,20,0,,,,,,yes,t\n" LINK_SEA);
	struct mf_error err = {0};
	assert_null(mf_graph_load(places, links, &err));
	assert_string_equal(err.field, "to");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 6);
	if (!strstr(err.message, "did you mean 'hub'?"))
		fail_msg("suggestion lost from '%s'", err.message);
}

static void test_bad_numbers(void **state)
{
	/* Negative distance. */
	expect_error(state, PLACES_OK, LINKS_HEADER LINK_HOME_HUB "hub,coast,desert,-900,3,100,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 3, 18, "distance_km", "-900");
	/* Probability above 1. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,20,1.5,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 24, "death_per_day", "[0, 1]");
	/* Sea risks adding up to more than 1. */
	expect_error(state, PLACES_OK, LINKS_OK "hub,island,sea,290,1,600,,0.6,0.5,,,,no,t\n",
		     "links.csv", 5, 31, "interception", "must not exceed 1");
	/* Not finite, or not a number at all. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,nan,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 15, "distance_km", "finite number");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,NaN,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 15, "distance_km", "finite number");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,inf,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 21, "fare_usd", "finite number");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,1e999,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 21, "fare_usd", "finite number");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,12km,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 15, "distance_km", "12km");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,0x10,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 15, "distance_km", "finite number");
	/* Required number left empty. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 15, "distance_km", "expected a number");
	/* Whole days only, at least 1. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2.5,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 19, "travel_days", "whole number");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,0,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 19, "travel_days", "[1, 365]");
	/* Places: latitude out of range, security above 1, population NaN. */
	expect_error(state, PLACES_HEADER "home,Home,Alpha,South,91,2.1,origin,1000,0,1,t\n"
		     "island,Island,Delta,Sea,35.5,12.6,destination,0,0,1,t\n", LINKS_OK,
		     "places.csv", 2, 23, "lat", "[-90, 90]");
	expect_error(state, PLACES_HEADER "home,Home,Alpha,South,13.5,2.1,origin,1000,0,1.2,t\n",
		     LINKS_OK, "places.csv", 2, 46, "security", "[0, 1]");
	expect_error(state, PLACES_HEADER "home,Home,Alpha,South,13.5,2.1,origin,nan,0,1,t\n",
		     LINKS_OK, "places.csv", 2, 39, "population", "finite number");
	expect_error(state, PLACES_HEADER "home,Home,Alpha,South,13.5,2.1,origin,-5,0,1,t\n",
		     LINKS_OK, "places.csv", 2, 39, "population", "-5");
}

static void test_duplicates(void **state)
{
	/* Duplicate place id. */
	expect_error(state, PLACES_OK "hub,Hub Again,Beta,North,18,9,hub,0,0,1,t\n", LINKS_OK,
		     "places.csv", 6, 1, "id", "line 3");
	/* The same link twice. */
	expect_error(state, PLACES_OK, LINKS_OK "hub,coast,desert,900,3,100,0.001,,,,,,no,t\n",
		     "links.csv", 5, 5, "to", "duplicate link hub -> coast");
	/* A one-way row repeating the reverse that an earlier both_ways row
	 * made. */
	expect_error(state, PLACES_OK, LINKS_OK "coast,hub,desert,900,3,100,0.001,,,,,,no,t\n",
		     "links.csv", 5, 7, "to", "duplicate link coast -> hub (first defined on line 3)");
	/* A both_ways row whose reverse an earlier row already gave. */
	expect_error(state, PLACES_OK,
		     LINKS_HEADER "hub,home,road,700,2,20,0,,,,,,no,t\n" LINK_HOME_HUB LINK_HUB_COAST LINK_SEA,
		     "links.csv", 3, 31, "both_ways", "duplicate link hub -> home (first defined on line 2)");
}

static void test_unreachable_destination(void **state)
{
	/* The sea link leaves from the island: nothing reaches it. */
	expect_error(state, PLACES_OK,
		     LINKS_HEADER LINK_HOME_HUB LINK_HUB_COAST "island,coast,sea,290,1,600,,0.03,0.3,,,,no,t\n",
		     "places.csv", 5, 1, "id", "destination 'island' cannot be reached");
	/* A second destination reachable from no origin (the first is). */
	expect_error(state, PLACES_OK "rock,Rock,Delta,Sea,36,13,destination,0,0,1,t\n",
		     LINKS_OK "rock,coast,sea,100,1,100,,0.01,0,,,,no,t\n",
		     "places.csv", 6, 1, "id", "destination 'rock'");
}

static void test_bad_header(void **state)
{
	/* Unknown column, with a suggestion. */
	expect_error(state, PLACES_OK,
		     "from,to,mode,distanse_km\nhome,hub,road,700\n", "links.csv", 1, 14,
		     "distanse_km", "did you mean 'distance_km'?");
	expect_error(state, "id,name,country,lat,lon,kind,populaton\n", LINKS_OK, "places.csv", 1, 30,
		     "populaton", "did you mean 'population'?");
	/* A column given twice. */
	expect_error(state, PLACES_OK, "from,to,mode,distance_km,to\nhome,hub,road,700,hub\n",
		     "links.csv", 1, 26, "to", "twice");
	/* A required column missing. */
	expect_error(state, PLACES_OK, "from,to,distance_km\nhome,hub,700\n", "links.csv", 1, 1,
		     "mode", "required column");
	expect_error(state, "# places\nid,name,country,lat,kind\nhome,Home,Alpha,13,origin\n",
		     LINKS_OK, "places.csv", 2, 1, "lon", "required column");
}

static void test_bad_choices(void **state)
{
	expect_error(state, PLACES_HEADER "home,Home,Alpha,South,13.5,2.1,orgin,1000,0,1,t\n",
		     LINKS_OK, "places.csv", 2, 32, "kind", "did you mean 'origin'?");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,raod,700,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 10, "mode", "did you mean 'road'?");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,20,0,,,,,tue,maybe,t\n" LINK_SEA,
		     "links.csv", 2, 34, "both_ways", "expected one of no, yes");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,20,0,,,,,tues,yes,t\n" LINK_SEA,
		     "links.csv", 2, 30, "departs", "did you mean 'tue'?");
	/* Ids: lowercase letters, digits and '_'. */
	expect_error(state, PLACES_HEADER "Home,Home,Alpha,South,13.5,2.1,origin,1000,0,1,t\n",
		     LINKS_OK, "places.csv", 2, 1, "id", "lowercase");
	/* A link from a place to itself, and sea risks on a road. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,home,road,700,2,20,0,,,,,,no,t\n" LINK_SEA,
		     "links.csv", 2, 6, "to", "two different places");
	expect_error(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,20,0,0.1,,,,,no,t\n" LINK_SEA,
		     "links.csv", 2, 10, "mode", "only sea links");
}

static void test_empty_and_malformed(void **state)
{
	expect_error(state, "", LINKS_OK, "places.csv", 1, 1, "", "empty file");
	expect_error(state, "# nothing but a comment\n\n", LINKS_OK, "places.csv", 3, 1, "",
		     "empty file");
	expect_error(state, PLACES_OK, "", "links.csv", 1, 1, "", "empty file");
	expect_error(state, PLACES_HEADER, LINKS_OK, "places.csv", 1, 1, "", "no places");
	expect_error(state, PLACES_OK, LINKS_HEADER "# none\n", "links.csv", 2, 1, "", "no links");
	/* Malformed quoted fields. */
	expect_error(state, PLACES_OK, LINKS_HEADER "home,\"hub,road,700,2,20,0,,,,,,yes,t\n" LINK_SEA,
		     "links.csv", 2, 6, "", "unterminated");
	expect_error(state, PLACES_HEADER "home,\"Home\"Town,Alpha,South,13.5,2.1,origin,1000,0,1,t\n",
		     LINKS_OK, "places.csv", 2, 12, "", "after a quoted field");
}

static void test_extra_fields(void **state)
{
	/* A record with more fields than the header (here an unquoted comma
	 * in the last column) is refused, at the first field too many (its
	 * first non-blank character). */
	struct mf_error err;
	struct mf_graph *g = load_texts(state,
					PLACES_HEADER "home,Home,Alpha,South,13.5,2.1,origin,1000,0,1,"
						      "from a report, 2023\n"
						      "hub,Hub,Alpha,North,17,8,hub,0,0,1,t\n"
						      "coast,Coast,Beta,Coast,32.9,12.1,coast,0,0,1,t\n"
						      "island,Island,Delta,Sea,35.5,12.6,destination,0,0,1,t\n",
					LINKS_OK, &err);
	if (g) {
		mf_graph_destroy(g);
		fail_msg("a record with 12 fields under a header of 11 was accepted");
	}
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_true(ends_with(err.file, "places.csv"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 63);
	g = load_texts(state, PLACES_OK, LINKS_HEADER "home,hub,road,700,2,20,0,,,,,,yes,t,\n" LINK_SEA, &err);
	if (g) {
		mf_graph_destroy(g);
		fail_msg("a record with 15 fields under a header of 14 was accepted");
	}
	assert_true(ends_with(err.file, "links.csv"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 37);
}

static void test_missing_file(void **state)
{
	struct scratch *s = *state;
	char places[PATH_SIZE], links[PATH_SIZE];
	snprintf(places, sizeof(places), "%s/missing-places.csv", s->dir);
	snprintf(links, sizeof(links), "%s/missing-links.csv", s->dir);
	struct mf_error err = {0};
	assert_null(mf_graph_load(places, links, &err));
	/* An I/O error here; the scenario reader turns it into an input error
	 * at the key that names the file. */
	assert_true(err.code == MF_ERR_IO || err.code == MF_ERR_INPUT);
	assert_string_equal(err.file, places);
	assert_non_null(strstr(err.message, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_places),
		cmocka_unit_test(test_small_links),
		cmocka_unit_test(test_small_reachable),
		cmocka_unit_test(test_minimal_network),
		cmocka_unit_test(test_unknown_place),
		cmocka_unit_test(test_unknown_place_long_path),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_unreachable_destination),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_choices),
		cmocka_unit_test(test_empty_and_malformed),
		cmocka_unit_test(test_extra_fields),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
