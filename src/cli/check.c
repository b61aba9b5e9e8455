/* migflow check: validate a scenario without running it, and summarise it
 * (or print it fully resolved with --resolved). */
#include <string.h>

#include "cli.h"
#include "migflow/flee.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow check SCENARIO [--resolved]\n\n"
		"Validates SCENARIO (and the network and files it extends) without running it.\n"
		"Prints a summary, or with --resolved the scenario with `extends` merged.\n"
		"Exit 0 when valid, 1 with the first error otherwise.\n");
}

static void print_summary(const struct mf_scenario *s)
{
	const struct mf_graph *g = s->graph;
	char first[11], last[11], from[11];
	mf_date_format(s->start, first);
	mf_date_format(s->start + s->days - 1, last);
	mf_date_format(s->start + s->report_from, from);
	printf("%s: scenario '%s' is valid\n", s->path, s->name);
	printf("  period       %s to %s (%d days), reporting from %s\n", first, last, s->days, from);
	printf("  seed         %llu, %d person(s) per agent\n", (unsigned long long)s->seed, s->agent_scale);
	if (s->rules == MF_RULES_FLEE) {
		printf("  rules        flee, on the FLEE instance %s\n", s->flee->dir);
		printf("  network      %d locations in %d countries, %d routes (%d links)\n", g->n_places,
		       g->n_countries, s->flee->n_routes, g->n_links);
		printf("  spawning     from the instance's data (%d camps), %d closures, %s\n",
		       s->flee->n_camps, s->flee->n_closures,
		       s->flee->has_conflicts ? "conflicts.csv" : "conflict dates of locations.csv");
	} else {
		printf("  network      %d places in %d countries, %d links (%s, %s)\n", g->n_places,
		       g->n_countries, g->n_links, g->places_path, g->links_path);
		printf("  destination  %s\n", g->places[s->destination].name);
	}
	double rate = 0;
	for (int i = 0; i < s->n_sources; i++)
		rate += s->sources[i].rate;
	double initial = 0;
	for (int i = 0; i < s->n_initial; i++)
		initial += s->initial[i].persons;
	printf("  sources      %d (%.0f persons/day before seasonality)\n", s->n_sources, rate);
	printf("  initial      %d groups (%.0f persons)\n", s->n_initial, initial);
	printf("  monitoring   %d points:", s->n_monitors);
	for (int m = 0; m < s->n_monitors; m++)
		printf("%s %s", m ? "," : "", s->monitors[m].name);
	printf("\n  expulsions   %d rules\n", s->n_expulsions);
	printf("  events       %d\n", s->n_events);
	for (int i = 0; i < s->n_events; i++) {
		const struct mf_event *e = &s->events[i];
		char date[11];
		mf_date_format(s->start + e->day, date);
		printf("    %s  %-12s %s", date, mf_event_kind_name(e->kind), e->target);
		switch (e->kind) {
		case MF_EVENT_SECURITY:
			printf(" -> level %g%s", e->value, e->ramp_days ? "" : "");
			if (e->ramp_days)
				printf(" over %d days", e->ramp_days);
			break;
		case MF_EVENT_CAPACITY:
			if (e->value > 0)
				printf(" -> %g persons/day", e->value);
			else
				printf(" -> unlimited");
			break;
		case MF_EVENT_SPEED:
			printf(" -> speed x %g", e->value);
			break;
		case MF_EVENT_FARE:
		case MF_EVENT_HAZARD:
			printf(" -> %s %g", e->value_is_absolute ? "set to" : "x", e->value);
			break;
		case MF_EVENT_INTERCEPTION:
			printf(" -> probability %g", e->value);
			break;
		case MF_EVENT_CONVOY:
			printf(" -> departs %s", e->weekday < 0 ? "daily"
			       : (const char *[]){"mon", "tue", "wed", "thu", "fri", "sat", "sun"}[e->weekday]);
			break;
		case MF_EVENT_SOURCE_RATE:
			printf(" -> rate x %g", e->value);
			break;
		case MF_EVENT_PARAMETER:
			printf(" -> %g", e->value);
			break;
		default:
			break;
		}
		if (e->policy[0])
			printf("  [policy %s]", e->policy);
		printf("\n");
	}
}

int mf_cli_check(int argc, char **argv)
{
	const char *path = NULL;
	bool resolved = false;
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--resolved", &resolved),
	};
	const struct mf_cli_command command = {
		.name = "check", .usage = check_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &path, .max_positional = 1,
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (!path)
		return mf_cli_usage_error(&command, "no scenario file given");
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(path, &err);
	if (!s) {
		mf_cli_print_error(&err);
		return err.code == MF_ERR_INPUT ? EXIT_INPUT : EXIT_FAILURE_RUN;
	}
	if (resolved)
		fputs(s->resolved_text, stdout);
	else
		print_summary(s);
	mf_scenario_destroy(s);
	return EXIT_OK;
}
