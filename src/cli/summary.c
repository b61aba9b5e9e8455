/* The end-of-run summary: a table on stdout and, on request, JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int summary_init(struct run_summary *s, const struct mf_scenario *scenario)
{
	memset(s, 0, sizeof(*s));
	s->report_from = scenario->report_from;
	size_t n = (size_t)(scenario->n_monitors > 0 ? scenario->n_monitors : 1) * MF_DIR_COUNT;
	s->passes = calloc(n, sizeof(int64_t));
	s->passes_window = calloc(n, sizeof(int64_t));
	s->present_by_country = calloc((size_t)scenario->graph->n_countries + 1, sizeof(int64_t));
	return s->passes && s->passes_window && s->present_by_country ? 0 : -1;
}

void summary_free(struct run_summary *s)
{
	free(s->passes);
	free(s->passes_window);
	free(s->present_by_country);
}

void summary_finish(struct run_summary *s, const struct mf_scenario *scenario,
		    const struct mf_day_counts *last_day, const struct mf_totals *totals)
{
	const struct mf_graph *g = scenario->graph;
	s->totals = *totals;
	for (int c = 0; c < g->n_countries; c++)
		s->present_by_country[c] = 0;
	for (int p = 0; p < g->n_places; p++)
		for (int i = 0; i < MF_INTENT_COUNT; i++)
			s->present_by_country[g->places[p].country_index] +=
				last_day->occupancy[p * MF_INTENT_COUNT + i];
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
	/* The scenario's destination (Lampedusa); other destination places
	 * (Sicily) are in the file's destination_arrivals. */
	s->arrived += day->arrivals[scenario->destination];
	s->interceptions += day->interceptions;
	s->expulsions += day->expulsions;
	if (window) {
		s->arrived_window += day->arrivals[scenario->destination];
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
		   const struct mf_totals *t, double wall_seconds, int threads)
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
		snprintf(label, sizeof(label), "  %s", g->countries[c]);
		row(out, label, s->present_by_country[c], 0, false);
	}
	row(out, "travelling on links", t->on_links, 0, false);
	fprintf(out, "  %-34s %14.2f\n", "wall time (s)", wall_seconds);
	fprintf(out, "  %-34s %14.3g\n", "agent-steps per second",
		wall_seconds > 0 ? (double)t->agent_steps / wall_seconds : 0.0);
	fprintf(out, "  %-34s %14d\n", "threads", threads);
}

/* The totals of one run as JSON members, each line indented by indent. */
static void json_totals(FILE *out, const struct mf_totals *t, const char *indent)
{
	fprintf(out,
		"%s\"spawned\": %lld,\n%s\"present\": %lld,\n%s\"on_links\": %lld,\n"
		"%s\"arrived\": %lld,\n%s\"dead\": %lld,\n%s\"left\": %lld,\n"
		"%s\"interceptions\": %lld,\n%s\"expulsions\": %lld,\n%s\"agent_steps\": %llu,\n"
		"%s\"monitor_passes\": {\"inbound\": %lld, \"outbound\": %lld, \"internal\": %lld}",
		indent, (long long)t->spawned, indent, (long long)t->present, indent,
		(long long)t->on_links, indent, (long long)t->arrived, indent, (long long)t->dead,
		indent, (long long)t->left, indent, (long long)t->interceptions, indent,
		(long long)t->expulsions, indent, (unsigned long long)t->agent_steps, indent,
		(long long)t->monitor_passes[MF_DIR_INBOUND],
		(long long)t->monitor_passes[MF_DIR_OUTBOUND],
		(long long)t->monitor_passes[MF_DIR_INTERNAL]);
}

int summary_write_json(const char *path, const struct run_summary *s,
		       const struct mf_totals *t, int days, uint64_t seed, int threads,
		       double wall_seconds)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	fprintf(out, "{\n  \"days\": %d,\n  \"seed\": %llu,\n  \"threads\": %d,\n  \"wall_seconds\": %.6f,\n",
		days, (unsigned long long)seed, threads, wall_seconds);
	json_totals(out, t, "  ");
	fprintf(out, "\n}\n");
	(void)s;
	return fclose(out) == 0 ? 0 : -1;
}

int summary_write_json_ensemble(const char *path, const struct run_summary *s, int n,
				int days, uint64_t seed, int threads, double wall_seconds)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	fprintf(out,
		"{\n  \"days\": %d,\n  \"seed\": %llu,\n  \"threads\": %d,\n  \"wall_seconds\": %.6f,\n"
		"  \"replicates\": %d,\n  \"per_replicate\": [\n",
		days, (unsigned long long)seed, threads, wall_seconds, n);
	for (int r = 0; r < n; r++) {
		fprintf(out, "    {\n      \"replicate\": %d,\n", r);
		json_totals(out, &s[r].totals, "      ");
		fprintf(out, "\n    }%s\n", r + 1 < n ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
	return fclose(out) == 0 ? 0 : -1;
}

/* One line of the ensemble table: mean, 5th and 95th percentile (linear
 * interpolation, as in the file's summary variables) of n values. */
static void ensemble_row(FILE *out, const char *label, int64_t *values, double *sorted, int n)
{
	double sum = 0;
	for (int r = 0; r < n; r++)
		sum += (double)values[r];
	qsort(values, (size_t)n, sizeof(*values), compare_int64);
	for (int r = 0; r < n; r++)
		sorted[r] = (double)values[r];
	fprintf(out, "  %-34s %14.1f %14.1f %14.1f\n", label, sum / n,
		mf_output_percentile(sorted, n, 0.05), mf_output_percentile(sorted, n, 0.95));
}

/* What one row of the ensemble table shows, for replicate s. */
enum ensemble_value { EV_SPAWNED, EV_ARRIVED, EV_DEATHS, EV_INTERCEPTIONS, EV_EXPULSIONS,
		      EV_LEFT, EV_PASSES, EV_PRESENT, EV_ON_LINKS };

struct ensemble_line {
	enum ensemble_value what;
	int index;
	char label[64];
};

static int64_t ensemble_value(const struct run_summary *s, enum ensemble_value what, int index,
			      const struct mf_scenario *scenario)
{
	bool window = s->report_from > 0;
	switch (what) {
	case EV_SPAWNED: return s->totals.spawned;
	case EV_ARRIVED: return window ? s->arrived_window : s->arrived;
	case EV_DEATHS: return window ? s->deaths_by_mode_window[index] : s->deaths_by_mode[index];
	case EV_INTERCEPTIONS: return window ? s->interceptions_window : s->interceptions;
	case EV_EXPULSIONS: return window ? s->expulsions_window : s->expulsions;
	case EV_LEFT: return s->totals.left;
	case EV_PASSES: {
		int64_t sum = 0;
		for (int m = 0; m < scenario->n_monitors; m++)
			sum += (window ? s->passes_window : s->passes)[m * MF_DIR_COUNT + index];
		return sum;
	}
	case EV_PRESENT: return s->present_by_country[index];
	case EV_ON_LINKS: return s->totals.on_links;
	}
	return 0;
}

void summary_print_ensemble(FILE *out, const struct run_summary *s, int n,
			    const struct mf_scenario *scenario, double wall_seconds, int threads)
{
	const struct mf_graph *g = scenario->graph;
	if (n < 1)
		return;
	int64_t *values = calloc((size_t)n, sizeof(*values));
	double *sorted = calloc((size_t)n, sizeof(*sorted));
	if (!values || !sorted) {
		free(values);
		free(sorted);
		return;
	}
	bool window = s[0].report_from > 0;
	char first[11], last[11], from[11];
	mf_date_format(scenario->start, first);
	mf_date_format(scenario->start + s[0].days - 1, last);
	mf_date_format(scenario->start + s[0].report_from, from);
	fprintf(out, "\nmigflow %s: scenario '%s', %s to %s (%d days), %d replicates\n", MF_VERSION,
		scenario->name, first, last, s[0].days, n);
	fprintf(out, "  flows %s %s to %s; across replicates:\n", window ? "from" : "over the run,",
		window ? from : first, last);
	fprintf(out, "  %-34s %14s %14s %14s\n", "persons", "mean", "p05", "p95");
	struct ensemble_line rows[16];
	int n_rows = 0;
	rows[n_rows++] = (struct ensemble_line){EV_SPAWNED, 0, "spawned (whole run, incl. initial)"};
	rows[n_rows] = (struct ensemble_line){EV_ARRIVED, 0, ""};
	snprintf(rows[n_rows++].label, 64, "arrived in %s", g->places[scenario->destination].name);
	for (int m = 0; m < MF_MODE_COUNT; m++) {
		rows[n_rows] = (struct ensemble_line){EV_DEATHS, m, ""};
		snprintf(rows[n_rows++].label, 64, "deaths (%s)", mf_link_mode_name((enum mf_link_mode)m));
	}
	rows[n_rows++] = (struct ensemble_line){EV_INTERCEPTIONS, 0, "interceptions at sea"};
	rows[n_rows++] = (struct ensemble_line){EV_EXPULSIONS, 0, "expulsions"};
	rows[n_rows++] = (struct ensemble_line){EV_LEFT, 0, "went home (whole run)"};
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		rows[n_rows] = (struct ensemble_line){EV_PASSES, d, ""};
		snprintf(rows[n_rows++].label, 64, "monitoring passes, %s",
			 mf_direction_name((enum mf_direction)d));
	}
	for (int i = 0; i < n_rows; i++) {
		for (int r = 0; r < n; r++)
			values[r] = ensemble_value(&s[r], rows[i].what, rows[i].index, scenario);
		ensemble_row(out, rows[i].label, values, sorted, n);
	}
	fprintf(out, "  present on %s, by country:\n", last);
	for (int c = 0; c < g->n_countries; c++) {
		char label[64];
		snprintf(label, sizeof(label), "  %s", g->countries[c]);
		for (int r = 0; r < n; r++)
			values[r] = ensemble_value(&s[r], EV_PRESENT, c, scenario);
		ensemble_row(out, label, values, sorted, n);
	}
	for (int r = 0; r < n; r++)
		values[r] = ensemble_value(&s[r], EV_ON_LINKS, 0, scenario);
	ensemble_row(out, "travelling on links", values, sorted, n);
	uint64_t steps = 0;
	for (int r = 0; r < n; r++)
		steps += s[r].totals.agent_steps;
	fprintf(out, "  %-34s %14.2f\n", "wall time (s)", wall_seconds);
	fprintf(out, "  %-34s %14.3g\n", "agent-steps per second",
		wall_seconds > 0 ? (double)steps / wall_seconds : 0.0);
	fprintf(out, "  %-34s %14d\n", "threads", threads);
	free(sorted);
	free(values);
}
