/* Tests of the scenario reader: the small test scenario read back in full,
 * and bad scenarios, each with its exact line, column and field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migflow/date.h"
#include "migflow/scenario.h"

#define PATH_SIZE 1024
#define TEXT_SIZE 8192

/* Five lines every bad scenario starts with; "@DATA@" stands for the
 * directory of the small test network. */
#define HEAD                                                                      \
	"name: bad\n"                                                             \
	"start: 2024-01-01\n"                                                     \
	"days: 30\n"                                                              \
	"network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"         \
	"destination: island\n"

struct scratch {
	char dir[256];
	char data[PATH_SIZE]; /* tests/data/small */
	int cases;
};

static int group_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-scenario-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	const char *data = getenv("MIGFLOW_TEST_DATA");
	snprintf(s->data, sizeof(s->data), "%s/small", data ? data : "tests/data");
	*state = s;
	return 0;
}

static void remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char child[PATH_SIZE];
			snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
			struct stat info;
			if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode))
				remove_tree(child);
			else
				unlink(child);
		}
		closedir(dir);
	}
	rmdir(path);
}

static int group_teardown(void **state)
{
	struct scratch *s = *state;
	remove_tree(s->dir);
	free(s);
	return 0;
}

/* Writes n bytes as scenario.yaml in a fresh directory; path into path. */
static void write_scenario_bytes(void **state, const char *bytes, size_t n, char *path)
{
	struct scratch *s = *state;
	char dir[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/case%d", s->dir, s->cases++);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, PATH_SIZE, "%s/scenario.yaml", dir);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, n, file), n);
	assert_int_equal(fclose(file), 0);
}

/* Writes text with @DATA@ replaced by the small network's directory. */
static void write_scenario(void **state, const char *text, char *path)
{
	struct scratch *s = *state;
	char *out = malloc(TEXT_SIZE);
	assert_non_null(out);
	size_t used = 0;
	for (const char *p = text; *p;) {
		const char *mark = strstr(p, "@DATA@");
		size_t chunk = mark ? (size_t)(mark - p) : strlen(p);
		assert_true(used + chunk + strlen(s->data) < TEXT_SIZE);
		memcpy(out + used, p, chunk);
		used += chunk;
		p += chunk;
		if (mark) {
			memcpy(out + used, s->data, strlen(s->data));
			used += strlen(s->data);
			p += strlen("@DATA@");
		}
	}
	write_scenario_bytes(state, out, used, path);
	free(out);
}

static bool ends_with(const char *text, const char *end)
{
	size_t n = strlen(text), m = strlen(end);
	return n >= m && strcmp(text + n - m, end) == 0;
}

static void check_error(const char *path, const struct mf_error *err, int line, int column,
			const char *field, const char *message_part)
{
	assert_int_equal(err->code, MF_ERR_INPUT);
	if (!ends_with(err->file, "scenario.yaml"))
		fail_msg("error names '%s', not %s: %s", err->file, path, err->message);
	assert_int_equal(err->line, line);
	assert_int_equal(err->column, column);
	if (field)
		assert_string_equal(err->field, field);
	if (!strstr(err->message, message_part))
		fail_msg("message '%s' lacks '%s'", err->message, message_part);
}

/* Loads a bad scenario and checks its error. A NULL field is not checked. */
static void expect_error(void **state, const char *text, int line, int column,
			 const char *field, const char *message_part)
{
	char path[PATH_SIZE];
	write_scenario(state, text, path);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (scenario) {
		mf_scenario_destroy(scenario);
		fail_msg("bad scenario accepted (expected an error at %d:%d in '%s')", line, column,
			 field ? field : "");
	}
	check_error(path, &err, line, column, field, message_part);
}

static void expect_error_bytes(void **state, const char *bytes, size_t n, int line, int column,
			       const char *message_part)
{
	char path[PATH_SIZE];
	write_scenario_bytes(state, bytes, n, path);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (scenario) {
		mf_scenario_destroy(scenario);
		fail_msg("bad scenario accepted (expected an error at %d:%d)", line, column);
	}
	check_error(path, &err, line, column, "", message_part);
}

static struct mf_scenario *load_small(void **state)
{
	struct scratch *s = *state;
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/scenario.yaml", s->data);
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (!scenario) {
		char text[1024];
		fail_msg("small scenario failed to load: %s", mf_error_format(&err, text, sizeof(text)));
	}
	return scenario;
}

static int place(const struct mf_scenario *s, const char *id)
{
	int index = mf_graph_place_index(s->graph, id);
	if (index < 0)
		fail_msg("no place '%s'", id);
	return index;
}

static int link_of(const struct mf_scenario *s, const char *from, const char *to)
{
	return mf_graph_link_index(s->graph, place(s, from), place(s, to));
}

static void test_small_top(void **state)
{
	struct mf_scenario *s = load_small(state);
	assert_string_equal(s->name, "small");
	assert_non_null(s->description);
	assert_non_null(strstr(s->description, "Small test world"));
	int start;
	assert_true(mf_date_parse("2024-01-01", &start));
	assert_int_equal(s->start, start);
	assert_int_equal(s->days, 120);
	assert_int_equal(s->report_from, 14);
	assert_true(s->seed == 42);
	assert_int_equal(s->agent_scale, 1);
	assert_non_null(s->graph);
	assert_int_equal(s->graph->n_places, 10);
	assert_int_equal(s->destination, place(s, "island"));
	assert_int_equal(s->n_sources, 2);
	assert_int_equal(s->n_initial, 2);
	assert_int_equal(s->n_monitors, 2);
	assert_int_equal(s->n_expulsions, 1);
	assert_int_equal(s->n_events, 4);
	assert_non_null(s->resolved_text);
	assert_non_null(strstr(s->resolved_text, "name: small"));
	assert_non_null(strstr(s->path, "scenario.yaml"));
	mf_scenario_destroy(s);
	mf_scenario_destroy(NULL);
}

static void test_small_parameters(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_parameters *p = &s->params;
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] == 4);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 6);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_DISPLACED] == 1);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_RETURN] == 2);
	assert_true(p->wait_days[MF_PLACE_COAST][MF_INTENT_DISPLACED] == 1);
	assert_true(p->wait_days[MF_PLACE_COAST][MF_INTENT_ONWARD] == 20);
	for (int i = 0; i < MF_INTENT_COUNT; i++) {
		assert_true(p->wait_days[MF_PLACE_DETENTION][i] == 10);
		assert_true(p->wait_days[MF_PLACE_ORIGIN][i] == 0);
		assert_true(p->wait_days[MF_PLACE_TOWN][i] == 1); /* the default */
	}
	const struct mf_graph *g = s->graph;
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Beta")] == 60);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Gamma")] == 30);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Alpha")] == 20);
	assert_true(p->stay_days_by_country[mf_graph_country_index(g, "Delta")] == 20);
	assert_true(p->default_stay_days == 20);
	assert_true(p->displacement_rate == 0.0005);
	assert_true(p->displaced_onward_per_day == 0.002);
	assert_true(p->displaced_return_per_day == 0.01);
	assert_true(p->insecurity_hazard == 0.0005);
	assert_true(p->retry_after_interception == 0.5);
	/* Not in the file: the defaults. */
	assert_true(p->speed_km_per_day[MF_MODE_ROAD] == 500);
	assert_true(p->route_temperature == 0.5);
	assert_true(p->safe_security == 0.6);
	mf_scenario_destroy(s);
}

static void test_small_sources_and_initial(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_source *circular = &s->sources[0], *onward = &s->sources[1];
	assert_int_equal(circular->place, place(s, "home"));
	assert_int_equal(circular->intent, MF_INTENT_CIRCULAR);
	assert_true(circular->rate == 300);
	assert_int_equal(circular->goals.n, 2);
	assert_int_equal(circular->goals.place[0], place(s, "work"));
	assert_true(circular->goals.weight[0] == 2);
	assert_int_equal(circular->goals.place[1], place(s, "mine"));
	assert_true(circular->goals.weight[1] == 1);
	assert_true(circular->season[0] == 1.2 && circular->season[5] == 0.8 &&
		    circular->season[11] == 1.1);
	assert_int_equal(circular->line, 26);
	assert_int_equal(circular->column, 5);
	/* An onward source without goals heads for the destination. */
	assert_int_equal(onward->intent, MF_INTENT_ONWARD);
	assert_true(onward->rate == 100);
	assert_int_equal(onward->goals.n, 1);
	assert_int_equal(onward->goals.place[0], s->destination);
	assert_true(onward->goals.weight[0] > 0);
	for (int m = 0; m < 12; m++)
		assert_true(onward->season[m] == 1);

	assert_int_equal(s->initial[0].place, place(s, "work"));
	assert_int_equal(s->initial[0].intent, MF_INTENT_CIRCULAR);
	assert_true(s->initial[0].persons == 3000);
	assert_int_equal(s->initial[0].homes.n, 1);
	assert_int_equal(s->initial[0].homes.place[0], place(s, "home"));
	assert_int_equal(s->initial[1].place, place(s, "coast"));
	assert_int_equal(s->initial[1].intent, MF_INTENT_ONWARD);
	assert_true(s->initial[1].persons == 1000);

	assert_int_equal(s->expulsions[0].from, place(s, "mine"));
	assert_int_equal(s->expulsions[0].to, place(s, "post"));
	assert_true(s->expulsions[0].daily_probability == 0.01);
	assert_true(s->expulsions[0].retry_share == 0.2);
	mf_scenario_destroy(s);
}

static void test_small_monitors(void **state)
{
	struct mf_scenario *s = load_small(state);
	const struct mf_graph *g = s->graph;
	const struct mf_monitor *post = &s->monitors[0], *road = &s->monitors[1];
	assert_string_equal(post->name, "Post");
	/* Every link arriving at post: hub -> post and work -> post. */
	int arriving = 0;
	for (int l = 0; l < g->n_links; l++)
		arriving += g->links[l].to == place(s, "post");
	assert_int_equal(arriving, 2);
	assert_int_equal(post->n_links, arriving);
	for (int k = 0; k < post->n_links; k++)
		assert_int_equal(g->links[post->links[k]].to, place(s, "post"));
	assert_true(post->links[0] != post->links[1]);
	assert_int_equal(post->country, g->places[place(s, "post")].country_index);
	for (int d = 0; d < MF_DIR_COUNT; d++)
		assert_true(post->count_direction[d]);

	assert_string_equal(road->name, "Hub road");
	assert_int_equal(road->n_links, 2);
	assert_int_equal(road->links[0], link_of(s, "home", "hub"));
	assert_int_equal(road->links[1], link_of(s, "hub", "home"));
	assert_string_equal(mf_intent_name(MF_INTENT_DISPLACED), "displaced");
	assert_string_equal(mf_direction_name(MF_DIR_OUTBOUND), "outbound");
	mf_scenario_destroy(s);
}

static void test_small_events(void **state)
{
	struct mf_scenario *s = load_small(state);
	/* Sorted by day, whatever their order in the file. */
	for (int i = 1; i < s->n_events; i++)
		assert_true(s->events[i - 1].day <= s->events[i].day);
	const struct mf_event *e = s->events;
	assert_int_equal(e[0].kind, MF_EVENT_SECURITY);
	assert_int_equal(e[0].day, 31); /* 2024-02-01 */
	assert_int_equal(e[0].n_places, 1);
	assert_int_equal(e[0].places[0], place(s, "unrest"));
	assert_true(e[0].value == 0.1);
	assert_int_equal(e[0].ramp_days, 10);
	assert_int_equal(e[1].kind, MF_EVENT_SOURCE_RATE);
	assert_int_equal(e[1].day, 45); /* 2024-02-15 */
	assert_int_equal(e[1].source_place, place(s, "home"));
	assert_int_equal(e[1].source_intent, MF_INTENT_ONWARD);
	assert_true(e[1].value == 2);
	assert_int_equal(e[1].line, 65);
	assert_int_equal(e[1].column, 5);
	assert_int_equal(e[2].kind, MF_EVENT_CLOSURE);
	assert_int_equal(e[2].day, 60); /* 2024-03-01 */
	assert_int_equal(e[2].n_links, 1);
	assert_int_equal(e[2].links[0], link_of(s, "work", "coast"));
	assert_int_equal(e[3].kind, MF_EVENT_REOPEN);
	assert_int_equal(e[3].day, 74); /* 2024-03-15 */
	assert_int_equal(e[3].links[0], link_of(s, "work", "coast"));
	mf_scenario_destroy(s);
}

static void test_minimal_scenario(void **state)
{
	char path[PATH_SIZE];
	write_scenario(state,
		       "# comments first\n"
		       HEAD
		       "end: 2024-03-01\n",
		       path);
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(path, &err);
	assert_null(s);
	check_error(path, &err, 7, 6, "end", "not both");

	write_scenario(state,
		       "name: minimal\n"
		       "start: 2024-02-28\n"
		       "end: 2024-03-01\n"
		       "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		       "destination: island\n",
		       path);
	s = mf_scenario_load(path, &err);
	if (!s) {
		char text[1024];
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
	}
	assert_int_equal(s->days, 3); /* a leap year: 28, 29 February, 1 March */
	assert_true(s->seed == 1);
	assert_int_equal(s->report_from, 0);
	assert_int_equal(s->n_sources + s->n_initial + s->n_monitors + s->n_events, 0);
	assert_true(s->params.stay_days_by_country[0] == s->params.default_stay_days);
	mf_scenario_destroy(s);
}

static void test_unknown_keys(void **state)
{
	expect_error(state,
		     "name: bad\n"
		     "start: 2024-01-01\n"
		     "days: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"
		     "destinaton: island\n",
		     5, 1, "destinaton", "did you mean 'destination'?");
	expect_error(state, HEAD "sources:\n  - place: home\n    intent: onward\n    rat: 5\n",
		     9, 5, "sources[0].rat", "did you mean 'rate'?");
	expect_error(state, HEAD "parameters:\n  wait_days: {hbu: 3}\n", 7, 15,
		     "parameters.wait_days.hbu", "did you mean 'hub'?");
	expect_error(state, HEAD "colour: blue\n", 6, 1, "colour", "expected one of");
}

static void test_wrong_types(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: [30]\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "expected a single value, got a list");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\nnetwork: places.csv\n"
		     "destination: island\n",
		     4, 10, "network", "expected a mapping");
	expect_error(state, HEAD "sources: {place: home}\n", 6, 10, "sources", "expected a list");
	expect_error(state, HEAD "parameters:\n  wait_days:\n    hub: {circular: [4]}\n", 8, 21,
		     "parameters.wait_days.hub.circular", "expected a single value");
	/* A quoted number is text. */
	expect_error(state, HEAD "seed: \"42\"\n", 6, 7, "seed", "whole number");
	expect_error(state, "just a string\n", 1, 1, "", "expected a mapping");
	expect_error(state, "- a\n- b\n", 1, 1, "", "expected a mapping");
}

static void test_bad_numbers(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 365days\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "365days");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 0\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "whole number in");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 1.5\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     3, 7, "days", "whole number");
	expect_error(state, HEAD "seed: -1\n", 6, 7, "seed", "-1");
	expect_error(state, HEAD "sources:\n  - place: home\n    intent: onward\n    rate: -5\n", 9, 11,
		     "sources[0].rate", "-5");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: .nan}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: .inf}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: nan}\n", 7, 41,
		     "sources[0].rate", "finite number");
	expect_error(state, HEAD "parameters: {displacement_rate: 1e999}\n", 6, 33,
		     "parameters.displacement_rate", "finite number");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: security, where: unrest, level: 1.5}\n",
		     7, 62, "events[0].level", "[0, 1]");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: security, where: unrest, level: -.inf}\n",
		     7, 62, "events[0].level", "finite number");
	expect_error(state, HEAD "parameters:\n  stay_days: {Beta: 0}\n", 7, 21,
		     "parameters.stay_days.Beta", "[1, 100000]");
}

static void test_bad_dates(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-02-30\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "2024-02-30");
	expect_error(state, "name: bad\nstart: 2023-02-29\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "real date");
	expect_error(state, "name: bad\nstart: 2024-1-1\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     2, 8, "start", "YYYY-MM-DD");
	/* Events the day before the start and the day after the last day
	 * (the run is 2024-01-01 .. 2024-01-30). */
	expect_error(state, HEAD "events:\n  - kind: closure\n    date: 2023-12-31\n    link: [work, coast]\n",
		     8, 11, "events[0].date", "outside the run (2024-01-01 to 2024-01-30)");
	expect_error(state, HEAD "events:\n  - {kind: reopen, date: 2024-01-30, link: [work, coast]}\n"
		     "  - {kind: reopen, date: 2024-01-31, link: [work, coast]}\n",
		     8, 26, "events[1].date", "outside the run");
	expect_error(state, HEAD "report_from: 2024-02-01\n", 6, 14, "report_from", "outside the run");
}

static void test_unknown_places(void **state)
{
	expect_error(state, HEAD "events:\n  - date: 2024-01-05\n    kind: security\n    where: unrset\n"
		     "    level: 0.2\n",
		     9, 12, "events[0].where", "did you mean 'unrest'?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: closure, link: [work, coasst]}\n",
		     7, 52, "events[0].link", "did you mean 'coast'?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: closure, link: [home, island]}\n",
		     7, 45, "events[0].link", "no link home -> island");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: islnd\n",
		     5, 14, "destination", "did you mean 'island'?");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: coast\n",
		     5, 14, "destination", "kind 'coast'");
	expect_error(state, HEAD "monitoring:\n  - {name: P, place: psot}\n", 7, 22,
		     "monitoring[0].place", "did you mean 'post'?");
	expect_error(state, HEAD "parameters:\n  stay_days: {Betta: 3}\n", 7, 15,
		     "parameters.stay_days.Betta", "unknown country");
}

static void test_missing_keys(void **state)
{
	expect_error(state, "start: 2024-01-01\ndays: 30\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     1, 1, "name", "required key missing");
	expect_error(state, "name: bad\nstart: 2024-01-01\n"
		     "network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\ndestination: island\n",
		     1, 1, "days", "required key missing");
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 3\n"
		     "network: {places: @DATA@/places.csv}\ndestination: island\n",
		     4, 10, "network.links", "required key missing");
	expect_error(state, HEAD "sources:\n  - place: home\n    rate: 5\n", 7, 5, "sources[0].intent",
		     "required key missing");
	/* Circular migrants need goals; only onward ones default to the
	 * destination. */
	expect_error(state, HEAD "sources:\n  - {place: home, intent: circular, rate: 5}\n", 7, 5,
		     "sources[0].goals", "where do circular migrants from home head?");
	expect_error(state, HEAD "events:\n  - {date: 2024-01-05, kind: capacity, place: hub}\n", 7, 5,
		     "events[0].per_day", "required key missing");
}

static void test_duplicate_keys(void **state)
{
	expect_error(state, HEAD "days: 40\n", 6, 1, "days", "twice");
	expect_error(state, HEAD "parameters:\n  wait_days: {hub: 3, hub: 4}\n", 7, 23, "hub",
		     "given twice");
	expect_error(state, HEAD "sources:\n  - {place: home, intent: onward, rate: 1, rate: 2}\n", 7,
		     44, "rate", "given twice");
}

static void test_duplicate_stay_days(void **state)
{
	/* stay_days refuses a country given twice, like every other mapping
	 * (the field is not checked: "Beta" or "parameters.stay_days.Beta"
	 * would both do). */
	expect_error(state, HEAD "parameters:\n  stay_days: {Beta: 60, Beta: 30}\n", 7, 25, NULL,
		     "twice");
}

static void test_missing_network_file(void **state)
{
	/* A network file that does not exist is an error in the scenario,
	 * at the key that names it. */
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n"
		     "network:\n  places: no-such-places.csv\n  links: @DATA@/links.csv\n"
		     "destination: island\n",
		     5, 11, "network.places", "no-such-places.csv");
}

static void test_yaml_syntax(void **state)
{
	expect_error(state, "name: bad\nstart: 2024-01-01\ndays: 30\n  oops: 1\n", 4, 7, "",
		     "YAML syntax error");
	expect_error(state, "name: bad\nstart: [2024-01-01\ndays: 30\n", 3, 5, "",
		     "YAML syntax error");
	expect_error(state, "name: bad\n\tstart: 2024-01-01\n", 2, 1, "", "tab");
	expect_error(state, "name: bad\n---\nname: again\n", 2, 1, "", "more than one YAML document");
}

static void test_yaml_alias_and_depth(void **state)
{
	expect_error(state, "name: &n bad\nstart: 2024-01-01\ndays: 30\ndescription: *n\n", 4, 14, "",
		     "aliases");
	/* 40 nested lists: the 33rd level is refused. */
	char text[256];
	int used = snprintf(text, sizeof(text), "name: bad\ndescription: ");
	for (int i = 0; i < 40; i++)
		text[used++] = '[';
	for (int i = 0; i < 40; i++)
		text[used++] = ']';
	snprintf(text + used, sizeof(text) - (size_t)used, "\n");
	expect_error(state, text, 2, 14 + 32, "", "nesting deeper than 32");
}

static void test_empty_and_binary(void **state)
{
	expect_error_bytes(state, "", 0, 1, 1, "empty scenario");
	expect_error(state, "# only a comment\n\n", 1, 1, "", "empty scenario");
	expect_error(state, "---\n...\n", 1, 1, "", "empty scenario");
	/* Every byte value, NUL first. */
	char bytes[256];
	for (int i = 0; i < 256; i++)
		bytes[i] = (char)i;
	expect_error_bytes(state, bytes, sizeof(bytes), 1, 1, "NUL");
	/* A NUL later on is reported where it is. */
	static const char nul[] = "name: bad\nstart: 20\00024-01-01\n";
	expect_error_bytes(state, nul, sizeof(nul) - 1, 2, 10, "NUL");
}

static const char latin1[] = "name: bad\nstart: 2024-01-01\ndescription: caf\x80" "e\n";
static const char control[] = "name: bad\nstart: 2024-01-01\ndays: 3\x01\n";

static void test_invalid_utf8(void **state)
{
	const char *const texts[2] = {latin1, control};
	for (int i = 0; i < 2; i++) {
		char path[PATH_SIZE];
		write_scenario_bytes(state, texts[i], strlen(texts[i]), path);
		struct mf_error err = {0};
		struct mf_scenario *scenario = mf_scenario_load(path, &err);
		if (scenario) {
			mf_scenario_destroy(scenario);
			fail_msg("text that is not UTF-8 was accepted");
		}
		assert_int_equal(err.code, MF_ERR_INPUT);
		assert_true(ends_with(err.file, "scenario.yaml"));
		assert_non_null(strstr(err.message, i ? "control" : "UTF-8"));
	}
}

static void test_invalid_utf8_position(void **state)
{
	/* Reported at the offending byte, not at the start of the file. */
	expect_error_bytes(state, latin1, sizeof(latin1) - 1, 3, 17, "UTF-8");
	expect_error_bytes(state, control, sizeof(control) - 1, 3, 8, "control");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_top),
		cmocka_unit_test(test_small_parameters),
		cmocka_unit_test(test_small_sources_and_initial),
		cmocka_unit_test(test_small_monitors),
		cmocka_unit_test(test_small_events),
		cmocka_unit_test(test_minimal_scenario),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_unknown_places),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_stay_days),
		cmocka_unit_test(test_missing_network_file),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_yaml_alias_and_depth),
		cmocka_unit_test(test_empty_and_binary),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_invalid_utf8_position),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
