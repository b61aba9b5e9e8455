/* Tests of the scenario reader on bad scenarios: each error names the file,
 * line, column and field (unknown keys, wrong types, bad numbers and dates,
 * unknown places, missing and duplicate keys, YAML syntax, empty, binary and
 * invalid UTF-8 input). */
/* realpath(3), in scenario_fixture.h */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "migflow/scenario.h"
#include "scenario_fixture.h"

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
