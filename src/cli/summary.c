/* The end-of-run summary: a table on stdout and, on request, JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Line i reports indicator id; returns its filter, for the caller to narrow. */
static struct mf_indicator_filter *report(struct run_summary *s, int i, enum mf_indicator_id id)
{
	s->lines[i].indicator = mf_indicator_get(id);
	return &s->lines[i].filter;
}

int summary_init(struct run_summary *s, const struct mf_scenario *scenario)
{
	memset(s, 0, sizeof(*s));
	s->report_from = scenario->report_from;
	s->n_lines = LINE_PRESENT + scenario->graph->n_countries;
	s->network = mf_indicator_network_create(scenario, NULL);
	s->lines = calloc((size_t)s->n_lines, sizeof(*s->lines));
	if (!s->network || !s->lines)
		return -1;
	for (int i = 0; i < s->n_lines; i++)
		s->lines[i].filter = MF_FILTER_ALL;
	report(s, LINE_SPAWNED, MF_IND_SPAWNED);
	/* The scenario's destination (Lampedusa); other destination places
	 * (Sicily) are in the file's destination_arrivals. */
	report(s, LINE_ARRIVED, MF_IND_ARRIVALS)->place = scenario->destination;
	for (int m = 0; m < MF_MODE_COUNT; m++)
		report(s, LINE_DEATHS + m, MF_IND_DEATHS)->mode = m;
	report(s, LINE_INTERCEPTIONS, MF_IND_INTERCEPTIONS);
	report(s, LINE_EXPULSIONS, MF_IND_EXPULSIONS);
	report(s, LINE_RETURNS, MF_IND_RETURNS);
	for (int d = 0; d < MF_DIR_COUNT; d++)
		report(s, LINE_PASSES + d, MF_IND_MONITOR_PASSES)->direction = d;
	report(s, LINE_ON_LINKS, MF_IND_IN_TRANSIT);
	for (int c = 0; c < scenario->graph->n_countries; c++)
		report(s, LINE_PRESENT + c, MF_IND_PRESENT)->country = c;
	return 0;
}

void summary_free(struct run_summary *s)
{
	mf_indicator_network_destroy(s->network);
	free(s->lines);
}

void summary_finish(struct run_summary *s, const struct mf_day_counts *last_day,
		    const struct mf_totals *totals)
{
	s->totals = *totals;
	for (int i = 0; i < s->n_lines; i++) {
		struct summary_line *line = &s->lines[i];
		if (line->indicator->kind == MF_INDICATOR_STOCK)
			line->whole = mf_indicator_value(line->indicator, &line->filter, s->network,
							 last_day);
	}
}

void summary_add_day(struct run_summary *s, const struct mf_day_counts *day)
{
	bool window = day->day >= s->report_from;
	s->days = day->day + 1;
	for (int i = 0; i < s->n_lines; i++) {
		struct summary_line *line = &s->lines[i];
		if (line->indicator->kind != MF_INDICATOR_FLOW)
			continue;
		int64_t value = mf_indicator_value(line->indicator, &line->filter, s->network, day);
		line->whole += value;
		if (window)
			line->window += value;
	}
}

/* The field width that pads a UTF-8 label to `width` characters, not bytes
 * ("Côte d'Ivoire"). */
static int label_width(const char *label, int width)
{
	for (; *label; label++)
		if (((unsigned char)*label & 0xC0) == 0x80)
			width++;
	return width;
}

static void row(FILE *out, const char *label, int64_t whole, int64_t window, bool has_window)
{
	char a[32], b[32];
	mf_cli_persons((double)whole, false, a, sizeof(a));
	if (has_window)
		fprintf(out, "  %-*s %14s %14s\n", label_width(label, 34), label, a,
			mf_cli_persons((double)window, false, b, sizeof(b)));
	else
		fprintf(out, "  %-*s %14s\n", label_width(label, 34), label, a);
}

static void line_row(FILE *out, const char *label, const struct summary_line *line,
		     bool has_window)
{
	row(out, label, line->whole, line->window, has_window);
}

void summary_print(FILE *out, const struct run_summary *s, const struct mf_scenario *scenario,
		   double wall_seconds, int threads)
{
	const struct mf_graph *g = scenario->graph;
	const struct summary_line *lines = s->lines;
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
	row(out, "spawned (incl. initial population)", s->totals.spawned, 0, false);
	char label[64];
	if (has_window)
		fprintf(out, "  %-34s %14s %14s\n", "spawned from sources", "",
			mf_cli_persons((double)lines[LINE_SPAWNED].window, false, label, sizeof(label)));
	snprintf(label, sizeof(label), "arrived in %s", g->places[scenario->destination].name);
	line_row(out, label, &lines[LINE_ARRIVED], has_window);
	for (int m = 0; m < MF_MODE_COUNT; m++) {
		snprintf(label, sizeof(label), "deaths (%s)", mf_link_mode_name((enum mf_link_mode)m));
		line_row(out, label, &lines[LINE_DEATHS + m], has_window);
	}
	line_row(out, "interceptions at sea", &lines[LINE_INTERCEPTIONS], has_window);
	line_row(out, "expulsions", &lines[LINE_EXPULSIONS], has_window);
	line_row(out, "went home (left the model)", &lines[LINE_RETURNS], false);
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		snprintf(label, sizeof(label), "monitoring passes, %s", mf_direction_name((enum mf_direction)d));
		line_row(out, label, &lines[LINE_PASSES + d], has_window);
	}
	fprintf(out, "  present on %s, by country:\n", last);
	for (int c = 0; c < g->n_countries; c++) {
		snprintf(label, sizeof(label), "  %s", g->countries[c]);
		line_row(out, label, &lines[LINE_PRESENT + c], false);
	}
	line_row(out, "travelling on links", &lines[LINE_ON_LINKS], false);
	fprintf(out, "  %-34s %14.2f\n", "wall time (s)", wall_seconds);
	fprintf(out, "  %-34s %14.3g\n", "agent-steps per second",
		wall_seconds > 0 ? (double)s->totals.agent_steps / wall_seconds : 0.0);
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
	char mean[32], low[32], high[32];
	fprintf(out, "  %-*s %14s %14s %14s\n", label_width(label, 34), label, mf_cli_persons(sum / n, false, mean, sizeof(mean)),
		mf_cli_persons(mf_output_percentile(sorted, n, 0.05), false, low, sizeof(low)),
		mf_cli_persons(mf_output_percentile(sorted, n, 0.95), false, high, sizeof(high)));
}

/* A line for the ensemble table: a flow over the reporting window (the whole
 * run without one, or when whole_run), a stock on the last day. */
static int64_t ensemble_value(const struct run_summary *s, int line, bool whole_run)
{
	const struct summary_line *l = &s->lines[line];
	bool window = s->report_from > 0 && !whole_run && l->indicator->kind == MF_INDICATOR_FLOW;
	return window ? l->window : l->whole;
}

struct ensemble_line {
	int line;          /* LINE_* */
	bool whole_run;
	char label[64];
};

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
	for (int r = 0; r < n; r++)
		values[r] = s[r].totals.spawned;
	ensemble_row(out, "spawned (whole run, incl. initial)", values, sorted, n);
	struct ensemble_line rows[16];
	int n_rows = 0;
	rows[n_rows] = (struct ensemble_line){LINE_ARRIVED, false, ""};
	snprintf(rows[n_rows++].label, 64, "arrived in %s", g->places[scenario->destination].name);
	for (int m = 0; m < MF_MODE_COUNT; m++) {
		rows[n_rows] = (struct ensemble_line){LINE_DEATHS + m, false, ""};
		snprintf(rows[n_rows++].label, 64, "deaths (%s)", mf_link_mode_name((enum mf_link_mode)m));
	}
	rows[n_rows++] = (struct ensemble_line){LINE_INTERCEPTIONS, false, "interceptions at sea"};
	rows[n_rows++] = (struct ensemble_line){LINE_EXPULSIONS, false, "expulsions"};
	rows[n_rows++] = (struct ensemble_line){LINE_RETURNS, true, "went home (whole run)"};
	for (int d = 0; d < MF_DIR_COUNT; d++) {
		rows[n_rows] = (struct ensemble_line){LINE_PASSES + d, false, ""};
		snprintf(rows[n_rows++].label, 64, "monitoring passes, %s",
			 mf_direction_name((enum mf_direction)d));
	}
	for (int i = 0; i < n_rows; i++) {
		for (int r = 0; r < n; r++)
			values[r] = ensemble_value(&s[r], rows[i].line, rows[i].whole_run);
		ensemble_row(out, rows[i].label, values, sorted, n);
	}
	fprintf(out, "  present on %s, by country:\n", last);
	for (int c = 0; c < g->n_countries; c++) {
		char label[64];
		snprintf(label, sizeof(label), "  %s", g->countries[c]);
		for (int r = 0; r < n; r++)
			values[r] = ensemble_value(&s[r], LINE_PRESENT + c, false);
		ensemble_row(out, label, values, sorted, n);
	}
	for (int r = 0; r < n; r++)
		values[r] = ensemble_value(&s[r], LINE_ON_LINKS, false);
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
