/* Tests of `extends:` in scenarios: a child merges mappings, appends
 * events and replaces other lists; days and end replace each other; network
 * paths are relative to the file that names them; errors name the file that
 * holds them; duplicate keys and chains of up to 16 files. */
/* realpath(3) */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migflow/ensemble.h"
#include "migflow/scenario.h"
#include "scenario_fixture.h"

static void test_extends_merges_appends_replaces(void **state)
{
	struct scratch *s = *state;
	char parent[PATH_SIZE], child[PATH_SIZE], net[PATH_SIZE];
	copy_small_network(state, "lang1/base/net", NULL, NULL);
	write_file(state, "lang1/base/parent.yaml", parent_yaml, parent);
	write_file(state, "lang1/child/scenario.yaml", child_yaml, child);
	struct mf_scenario *sc = load_ok(child);
	/* Scalars: the child's where it has them, the parent's elsewhere. */
	assert_string_equal(sc->name, "child");
	assert_string_equal(sc->description, "the parent");
	assert_int_equal(sc->days, 60);
	assert_true(sc->seed == 9);
	/* Mappings merge by key, at every level. */
	const struct mf_parameters *p = &sc->params;
	assert_true(p->safe_security == 0.7);
	assert_true(p->displacement_rate == 0.001);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_CIRCULAR] == 4);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_ONWARD] == 9);
	assert_true(p->wait_days[MF_PLACE_HUB][MF_INTENT_RETURN] == 1); /* the default */
	assert_true(p->speed_km_per_day[MF_MODE_ROAD] == 400);
	assert_true(p->speed_km_per_day[MF_MODE_DESERT] == 300);
	/* Lists other than events are replaced. */
	assert_int_equal(sc->n_sources, 1);
	assert_int_equal(sc->sources[0].intent, MF_INTENT_CIRCULAR);
	assert_true(sc->sources[0].rate == 7);
	/* Events are appended: the parent's first on the same day. */
	assert_int_equal(sc->n_events, 4);
	const struct mf_event *e = sc->events;
	assert_int_equal(e[0].kind, MF_EVENT_SECURITY);
	assert_int_equal(e[0].day, 4);
	assert_int_equal(e[0].line, 12); /* in the child */
	assert_int_equal(e[1].kind, MF_EVENT_CLOSURE);
	assert_int_equal(e[1].day, 9);
	assert_int_equal(e[1].line, 21); /* in the parent */
	assert_int_equal(e[2].kind, MF_EVENT_FARE);
	assert_int_equal(e[2].day, 9);
	assert_int_equal(e[2].line, 11);
	assert_int_equal(e[3].kind, MF_EVENT_REOPEN);
	assert_int_equal(e[3].day, 19);
	/* The network named by the parent, relative to the parent. */
	snprintf(net, sizeof(net), "%s/lang1/base/net/places.csv", s->dir);
	assert_same_file(sc->graph->places_path, net);
	/* The resolved text has no extends and names the network absolutely. */
	assert_null(strstr(sc->resolved_text, "extends"));
	char real[PATH_MAX];
	assert_non_null(realpath(net, real));
	assert_non_null(strstr(sc->resolved_text, real));
	assert_non_null(strstr(sc->source_text, "base/parent.yaml"));
	assert_non_null(strstr(sc->source_text, "child/scenario.yaml"));
	mf_scenario_destroy(sc);

	/* The parent on its own is unchanged by its child. */
	sc = load_ok(parent);
	assert_true(sc->params.safe_security == 0.5);
	assert_int_equal(sc->n_sources, 2);
	assert_int_equal(sc->n_events, 2);
	mf_scenario_destroy(sc);
}

/* days and end are alternatives: the one a child gives replaces the
 * other of its parent (a child can shorten or lengthen its parent), in
 * either direction, over two generations; a child giving both is refused
 * in the child. */
static void test_extends_days_replace_end(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE], grandchild[PATH_SIZE], both[PATH_SIZE];
	copy_small_network(state, "lang5/base/net", NULL, NULL);
	write_file(state, "lang5/base/parent.yaml", parent_yaml, parent); /* days: 60 */
	write_file(state, "lang5/ends.yaml", "extends: base/parent.yaml\nname: ends\nend: 2024-02-19\n", child);
	write_file(state, "lang5/days.yaml", "extends: ends.yaml\nname: days\ndays: 365\n", grandchild);
	write_file(state, "lang5/both/scenario.yaml", "extends: ../ends.yaml\nname: both\ndays: 5\nend: 2024-01-03\n", both);
	struct mf_scenario *sc = load_ok(child);
	assert_int_equal(sc->days, 50); /* 2024-01-01 .. 2024-02-19 */
	assert_null(strstr(sc->resolved_text, "\ndays:"));
	mf_scenario_destroy(sc);
	sc = load_ok(grandchild);
	assert_int_equal(sc->days, 365);
	assert_null(strstr(sc->resolved_text, "\nend:"));
	mf_scenario_destroy(sc);
	struct mf_error err = {0};
	assert_null(mf_scenario_load(both, &err));
	check_error(both, &err, 4, 6, "end", "not both");
}

/* The case of issue 16: `extends: baseline.yaml` (which gives end) plus
 * `days: 365` is a 365-day scenario, and runs 365 days. */
static void test_extends_baseline_for_a_year(void **state)
{
	const char *scenarios = getenv("MIGFLOW_SCENARIOS");
	assert_non_null(scenarios);
	char text[1200], path[PATH_SIZE];
	snprintf(text, sizeof(text), "extends: %s/baseline.yaml\nname: a-year\ndays: 365\n", scenarios);
	write_file(state, "lang6/scenario.yaml", text, path);
	struct mf_scenario *sc = load_ok(path);
	assert_int_equal(sc->days, 365);
	sc->agent_scale = 200; /* coarse: the days are what is checked */
	struct mf_ensemble_options options = {.seed = 1, .threads = 1};
	struct mf_ensemble_result result;
	struct mf_error err = {0};
	assert_int_equal(mf_ensemble_run(sc, &options, NULL, 0, &result, &err), MF_OK);
	assert_int_equal(result.runs, 1);
	assert_int_equal(result.days, 365);
	mf_scenario_destroy(sc);
}

static void test_extends_network_paths_per_file(void **state)
{
	struct scratch *s = *state;
	char parent[PATH_SIZE], child[PATH_SIZE], expected[PATH_SIZE];
	/* The parent's network in a/net; the child, two levels down another
	 * branch, names its own links.csv (hub -> post costs 999, not 170). */
	copy_small_network(state, "lang2/a/net", NULL, NULL);
	copy_small_network(state, "lang2/b/c/mine", "hub,post,desert,600,3,170,", "hub,post,desert,600,3,999,");
	write_file(state, "lang2/a/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\n", parent);
	write_file(state, "lang2/b/c/child.yaml",
		   "extends: ../../a/parent.yaml\nname: child\nnetwork:\n  links: mine/links.csv\n", child);
	struct mf_scenario *sc = load_ok(child);
	snprintf(expected, sizeof(expected), "%s/lang2/a/net/places.csv", s->dir);
	assert_same_file(sc->graph->places_path, expected);
	snprintf(expected, sizeof(expected), "%s/lang2/b/c/mine/links.csv", s->dir);
	assert_same_file(sc->graph->links_path, expected);
	int hub = mf_graph_place_index(sc->graph, "hub"), post = mf_graph_place_index(sc->graph, "post");
	assert_true(sc->graph->links[mf_graph_link_index(sc->graph, hub, post)].fare_usd == 999);
	mf_scenario_destroy(sc);

	/* Loaded from another working directory, with a relative path. */
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	char dir[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/lang2/b", s->dir);
	assert_int_equal(chdir(dir), 0);
	struct mf_error err = {0};
	sc = mf_scenario_load("c/child.yaml", &err);
	char places[PATH_MAX] = "", links[PATH_MAX] = "";
	if (sc && (!realpath(sc->graph->places_path, places) || !realpath(sc->graph->links_path, links)))
		places[0] = links[0] = '\0';
	assert_int_equal(chdir(cwd), 0);
	if (!sc) {
		char text[1024];
		fail_msg("c/child.yaml: %s", mf_error_format(&err, text, sizeof(text)));
	}
	snprintf(expected, sizeof(expected), "%s/lang2/a/net/places.csv", s->dir);
	assert_same_file(places, expected);
	snprintf(expected, sizeof(expected), "%s/lang2/b/c/mine/links.csv", s->dir);
	assert_same_file(links, expected);
	mf_scenario_destroy(sc);
}

/* Errors of an extends chain name the file that holds them. */
static void test_extends_errors_name_their_file(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE];
	struct mf_error err = {0};
	copy_small_network(state, "lang5/base/net", NULL, NULL);
	write_file(state, "lang5/base/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\n"
		   "events:\n  - {date: 2024-01-03, kind: closure, link: [work, coasst]}\n", parent);
	write_file(state, "lang5/child/scenario.yaml",
		   "extends: ../base/parent.yaml\nname: child\n"
		   "events:\n  - {date: 2024-01-04, kind: reopen, link: [work, coast]}\n", child);
	assert_null(mf_scenario_load(child, &err));
	if (!ends_with(err.file, "base/parent.yaml"))
		fail_msg("error names '%s', not the parent: %s", err.file, err.message);
	assert_int_equal(err.line, 7);
	assert_int_equal(err.column, 52);
	assert_string_equal(err.field, "events[0].link");

	/* An error in the child (after a good parent) names the child. */
	write_file(state, "lang5/base/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\nparameters: {safe_security: 0.5}\n", parent);
	write_file(state, "lang5/child/scenario.yaml",
		   "extends: ../base/parent.yaml\nname: child\nparameters:\n  safe_securty: 0.7\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	if (!ends_with(err.file, "child/scenario.yaml"))
		fail_msg("error names '%s', not the child: %s", err.file, err.message);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.column, 3);
	assert_string_equal(err.field, "parameters.safe_securty");
	assert_non_null(strstr(err.message, "did you mean 'safe_security'?"));

	/* A missing parent and cycles are errors at the extends key. */
	write_file(state, "lang5/child/scenario.yaml", "name: child\nextends: nowhere.yaml\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/scenario.yaml"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 10);
	assert_string_equal(err.field, "extends");
	write_file(state, "lang5/child/scenario.yaml", "extends: scenario.yaml\nname: child\n", child);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/scenario.yaml"));
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 10);
	assert_non_null(strstr(err.message, "cycle"));
	write_file(state, "lang5/child/a.yaml", "extends: b.yaml\nname: a\n", child);
	write_file(state, "lang5/child/b.yaml", "name: b\nextends: a.yaml\n", parent);
	memset(&err, 0, sizeof(err));
	assert_null(mf_scenario_load(child, &err));
	assert_true(ends_with(err.file, "child/b.yaml"));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 10);
	assert_non_null(strstr(err.message, "cycle"));
}

/* A key given twice is refused in a file that extends another, at every
 * level, as it is in a file on its own. */
static void test_extends_duplicate_keys(void **state)
{
	char parent[PATH_SIZE], child[PATH_SIZE];
	copy_small_network(state, "lang6/net", NULL, NULL);
	write_file(state, "lang6/parent.yaml",
		   "name: parent\nstart: 2024-01-01\ndays: 10\nseed: 1\n"
		   "network: {places: net/places.csv, links: net/links.csv}\n"
		   "destination: island\nparameters: {safe_security: 0.5}\n", parent);
	const char *children[2] = {
		"extends: parent.yaml\nname: child\nseed: 2\nseed: 3\n",
		"extends: parent.yaml\nname: child\nparameters:\n  safe_security: 0.7\n  safe_security: 0.9\n",
	};
	const int lines[2] = {4, 5}, columns[2] = {1, 3};
	for (int i = 0; i < 2; i++) {
		write_file(state, "lang6/scenario.yaml", children[i], child);
		struct mf_error err = {0};
		struct mf_scenario *sc = mf_scenario_load(child, &err);
		if (sc) {
			mf_scenario_destroy(sc);
			fail_msg("a key given twice in a child was accepted:\n%s", children[i]);
		}
		check_error(child, &err, lines[i], columns[i], NULL, "twice");
	}
}

/* extends chains: each file relative to the one that names it, events in
 * chain order, and at most 16 files. */
static void test_extends_chains(void **state)
{
	char path[PATH_SIZE];
	copy_small_network(state, "lang4/g/net", NULL, NULL);
	write_file(state, "lang4/g/grandparent.yaml",
		   "name: grandparent\nstart: 2024-01-01\ndays: 30\n"
		   "network: {places: net/places.csv, links: net/links.csv}\ndestination: island\n"
		   "parameters: {safe_security: 0.5, displacement_rate: 0.001}\n"
		   "events: [{date: 2024-01-05, kind: closure, place: hub}]\n", path);
	write_file(state, "lang4/p/q/parent.yaml",
		   "extends: ../../g/grandparent.yaml\nname: parent\n"
		   "parameters: {safe_security: 0.6}\n"
		   "events: [{date: 2024-01-05, kind: reopen, place: hub}]\n", path);
	write_file(state, "lang4/c/child.yaml",
		   "extends: ../p/q/parent.yaml\nname: child\n"
		   "parameters: {displacement_rate: 0.002}\n"
		   "events: [{date: 2024-01-05, kind: closure, link: [work, coast]}]\n", path);
	struct mf_scenario *s = load_ok(path);
	assert_string_equal(s->name, "child");
	assert_true(s->params.safe_security == 0.6);
	assert_true(s->params.displacement_rate == 0.002);
	assert_int_equal(s->n_events, 3);
	assert_int_equal(s->events[0].kind, MF_EVENT_CLOSURE);
	assert_int_equal(s->events[0].n_links, 6);
	assert_int_equal(s->events[1].kind, MF_EVENT_REOPEN);
	assert_int_equal(s->events[2].kind, MF_EVENT_CLOSURE);
	assert_int_equal(s->events[2].n_links, 1);
	mf_scenario_destroy(s);

	/* 16 files extend one another: f0 <- f1 <- ... <- f15. */
	copy_small_network(state, "lang4/long/net", NULL, NULL);
	write_file(state, "lang4/long/f0.yaml",
		   "name: f0\nstart: 2024-01-01\ndays: 30\n"
		   "network: {places: net/places.csv, links: net/links.csv}\ndestination: island\n", path);
	for (int i = 1; i < 17; i++) {
		char relative[64], text[128];
		snprintf(relative, sizeof(relative), "lang4/long/f%d.yaml", i);
		snprintf(text, sizeof(text), "extends: f%d.yaml\nname: f%d\nseed: %d\n", i - 1, i, i);
		write_file(state, relative, text, path);
		struct mf_error err = {0};
		s = mf_scenario_load(path, &err);
		if (i < 16) {
			if (!s) {
				char message[1024];
				fail_msg("a chain of %d files: %s", i + 1, mf_error_format(&err, message, sizeof(message)));
			}
			assert_true(s->seed == (uint64_t)i);
			mf_scenario_destroy(s);
		} else {
			/* The 17th file is refused at the extends key that reaches it. */
			if (s) {
				mf_scenario_destroy(s);
				fail_msg("a chain of 17 files was accepted");
			}
			assert_int_equal(err.code, MF_ERR_INPUT);
			assert_string_equal(err.field, "extends");
			assert_int_equal(err.line, 1);
			assert_int_equal(err.column, 10);
			assert_non_null(strstr(err.message, "16"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extends_merges_appends_replaces),
		cmocka_unit_test(test_extends_days_replace_end),
		cmocka_unit_test(test_extends_baseline_for_a_year),
		cmocka_unit_test(test_extends_network_paths_per_file),
		cmocka_unit_test(test_extends_errors_name_their_file),
		cmocka_unit_test(test_extends_duplicate_keys),
		cmocka_unit_test(test_extends_chains),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
