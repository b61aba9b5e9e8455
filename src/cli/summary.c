/* The end-of-run summary: a table on stdout and, on request, JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int summary_init(struct run_summary *s, const struct mf_scenario *scenario)
{
	memset(s, 0, sizeof(*s));
	s->report_from = scenario->report_from;
	size_t n = (size_t)(scenario->n_monitors > 0 ? scenario->n_monitors : 1) * MF_DIR_COUNT;
	s->passes = calloc(n, sizeof(int64_t));
	s->passes_window = calloc(n, sizeof(int64_t));
	return s->passes && s->passes_window ? 0 : -1;
}

void summary_free(struct run_summary *s)
{
	free(s->passes);
	free(s->passes_window);
}

void summary_add_day(struct run_summary *s, const struct mf_scenario *scenario,
		     const struct mf_day_counts *day)
{
	bool window = day->day >= s->report_from;
	const struct mf_graph *g = scenario->graph;
	s->days = day->day + 1;
	for (int i = 0; i < scenario->n_monitors * MF_DIR_COUNT; i++) {
		s->passes[i] += day->monitor_passes[i];
		if (window)
			s->passes_window[i] += day->monitor_passes[i];
	}
	for (int l = 0; l < g->n_links; l++) {
		s->deaths_by_mode[g->links[l].mode] += day->deaths[l];
		if (window)
			s->deaths_by_mode_window[g->links[l].mode] += day->deaths[l];
	}
	s->arrived += day->destination_arrivals;
	s->interceptions += day->interceptions;
	s->expulsions += day->expulsions;
	if (window) {
		s->arrived_window += day->destination_arrivals;
		s->interceptions_window += day->interceptions;
		s->expulsions_window += day->expulsions;
		for (int p = 0; p < g->n_places; p++)
			s->spawned_window += day->spawned[p];
	}
}

static void row(FILE *out, const char *label, int64_t whole, int64_t window, bool has_window)
{
	if (has_window)
		fprintf(out, "  %-34s %14lld %14lld\n", label, (long long)whole, (long long)window);
	else
		fprintf(out, "  %-34s %14lld\n", label, (long long)whole);
}

void summary_print(FILE *out, const struct run_summary *s, const struct mf_scenario *scenario,
		   const struct mf_day_counts *last_day, const struct mf_totals *t,
		   double wall_seconds, int threads)
{
	const struct mf_graph *g = scenario->graph;
	bool has_window = s->report_from > 0;
	char first[11], last[11], from[11];
	mf_date_format(scenario->start, first);
	mf_date_format(scenario->start + s->days - 1, last);
	mf_date_format(scenario->start + s->report_from, from);
	fprintf(out, "\nmigflow %s: scenario '%s', %s to %s (%d days)\n", MF_VERSION, scenario->name,
		first, last, s->days);
	if (has_window)
		fprintf(out, "  %-34s %14s %14s\n", "persons", "whole run", "from");
	if (has_window)
		fprintf(out, "  %-34s %14s %14s\n", "", "", from);
	row(out, "spawned (incl. initial population)", t->spawned, 0, false);
	if (has_window)
		fprintf(out, "  %-34s %14s %14lld\n", "spawned from sources", "",
			(long long)s->spawned_window);
	char label[64];
	snprintf(label, sizeof(label), "arrived in %s", g->places[scenario->destination].name);
	row(out, label, s->arrived, s->arrived_window, has_window);
	for (int m = 0; m < MF_MODE_COUNT; m++) {
		snprintf(label, sizeof(label), "deaths (%s)", mf_link_mode_name((enum mf_link_mode)m));
		row(out, label, s->deaths_by_mode[m], s->deaths_by_mode_window[m], has_window);
	}
	row(out, "interceptions at sea", s->interceptions, s->interceptions_window, has_window);
	row(out, "expulsions", s->expulsions, s->expulsions_window, has_window);
	row(out, "went home (left the model)", t->left, 0, false);
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		int64_t whole = 0, window = 0;
		for (int m = 0; m < scenario->n_monitors; m++) {
			whole += s->passes[m * MF_DIR_COUNT + d];
			window += s->passes_window[m * MF_DIR_COUNT + d];
		}
		snprintf(label, sizeof(label), "monitoring passes, %s", mf_direction_name((enum mf_direction)d));
		row(out, label, whole, window, has_window);
	}
	fprintf(out, "  present on %s, by country:\n", last);
	for (int c = 0; c < g->n_countries; c++) {
		int64_t present = 0;
		for (int p = 0; p < g->n_places; p++)
			if (g->places[p].country_index == c)
				for (int i = 0; i < MF_INTENT_COUNT; i++)
					present += last_day->occupancy[p * MF_INTENT_COUNT + i];
		snprintf(label, sizeof(label), "  %s", g->countries[c]);
		row(out, label, present, 0, false);
	}
	row(out, "travelling on links", t->on_links, 0, false);
	fprintf(out, "  %-34s %14.2f\n", "wall time (s)", wall_seconds);
	fprintf(out, "  %-34s %14.3g\n", "agent-steps per second",
		wall_seconds > 0 ? (double)t->agent_steps / wall_seconds : 0.0);
	fprintf(out, "  %-34s %14d\n", "threads", threads);
}

int summary_write_json(const char *path, const struct run_summary *s,
		       const struct mf_totals *t, int days, uint64_t seed, int threads,
		       double wall_seconds)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	fprintf(out,
		"{\n  \"days\": %d,\n  \"seed\": %llu,\n  \"threads\": %d,\n  \"wall_seconds\": %.6f,\n"
		"  \"spawned\": %lld,\n  \"present\": %lld,\n  \"on_links\": %lld,\n"
		"  \"arrived\": %lld,\n  \"dead\": %lld,\n  \"left\": %lld,\n"
		"  \"interceptions\": %lld,\n  \"expulsions\": %lld,\n  \"agent_steps\": %llu,\n"
		"  \"monitor_passes\": {\"inbound\": %lld, \"outbound\": %lld, \"internal\": %lld}\n}\n",
		days, (unsigned long long)seed, threads, wall_seconds, (long long)t->spawned,
		(long long)t->present, (long long)t->on_links, (long long)t->arrived,
		(long long)t->dead, (long long)t->left, (long long)t->interceptions,
		(long long)t->expulsions, (unsigned long long)t->agent_steps,
		(long long)t->monitor_passes[MF_DIR_INBOUND],
		(long long)t->monitor_passes[MF_DIR_OUTBOUND],
		(long long)t->monitor_passes[MF_DIR_INTERNAL]);
	(void)s;
	return fclose(out) == 0 ? 0 : -1;
}
