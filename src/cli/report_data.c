/* What the report shows, read from the run files: the comparisons of the
 * library (migflow/compare.h), the headline indicators period by period
 * across replicates, the change in link flows, the network and the
 * baseline's calibration targets. */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static enum mf_status no_memory(struct mf_error *err)
{
	return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static char *text_attribute(struct mf_reader *reader, const char *name)
{
	char *text = NULL;
	if (mf_reader_has_attribute(reader, NULL, name))
		mf_reader_text_attribute(reader, NULL, name, &text, NULL);
	return text;
}

/* Weeks for a window up to half a year, calendar months beyond. */
static enum mf_status make_periods(struct report *r, struct mf_error *err)
{
	int days = r->to - r->from + 1;
	r->weekly = days <= 183;
	int most = r->weekly ? days / 7 + 2 : days / 28 + 2;
	r->period_first = calloc((size_t)most, sizeof(int));
	r->period_last = calloc((size_t)most, sizeof(int));
	if (!r->period_first || !r->period_last)
		return no_memory(err);
	int day = r->from;
	while (day <= r->to && r->n_periods < most) {
		int last;
		if (r->weekly) {
			last = day + 6;
		} else {
			char date[11];
			mf_date_format(day, date);
			int year = atoi(date), month = atoi(date + 5);
			char next[11];
			snprintf(next, sizeof(next), "%04d-%02d-01", month == 12 ? year + 1 : year,
				 month == 12 ? 1 : month + 1);
			mf_date_parse(next, &last);
			last--;
		}
		r->period_first[r->n_periods] = day;
		r->period_last[r->n_periods++] = last < r->to ? last : r->to;
		day = last + 1;
	}
	return MF_OK;
}

static enum mf_status read_bands(const struct report *r, struct report_run *run,
				 struct mf_error *err)
{
	int replicates = run->run.replicates ? run->run.replicates : 1;
	double *values = calloc((size_t)replicates * MF_COMPARE_COUNT, sizeof(double));
	double *sorted = calloc((size_t)replicates, sizeof(double));
	enum mf_status status = values && sorted ? MF_OK : no_memory(err);
	for (int k = 0; status == MF_OK && k < MF_COMPARE_COUNT; k++) {
		struct report_band *band = &run->bands[k];
		band->mean = calloc((size_t)r->n_periods, sizeof(double));
		band->p05 = calloc((size_t)r->n_periods, sizeof(double));
		band->p95 = calloc((size_t)r->n_periods, sizeof(double));
		if (!band->mean || !band->p05 || !band->p95)
			status = no_memory(err);
	}
	for (int p = 0; status == MF_OK && p < r->n_periods; p++) {
		for (int rep = 0; status == MF_OK && rep < replicates; rep++)
			status = mf_compare_run_indicators(&run->run, rep, r->period_first[p],
							   r->period_last[p], r->country,
							   values + (size_t)rep * MF_COMPARE_COUNT, err);
		for (int k = 0; status == MF_OK && k < MF_COMPARE_COUNT; k++) {
			double sum = 0;
			/* Flows per day, so that periods of any length compare. */
			double days = mf_compare_is_stock((enum mf_compare_indicator)k) ? 1 :
				r->period_last[p] - r->period_first[p] + 1;
			for (int rep = 0; rep < replicates; rep++) {
				sorted[rep] = values[(size_t)rep * MF_COMPARE_COUNT + (size_t)k] / days;
				sum += sorted[rep];
			}
			qsort(sorted, (size_t)replicates, sizeof(double), compare_doubles);
			run->bands[k].mean[p] = sum / replicates;
			run->bands[k].p05[p] = mf_output_percentile(sorted, replicates, 0.05);
			run->bands[k].p95[p] = mf_output_percentile(sorted, replicates, 0.95);
		}
	}
	free(values);
	free(sorted);
	return status;
}

/* Persons setting out on each link over the window, mean over replicates. */
static enum mf_status read_link_flow(const struct report *r, struct report_run *run,
				     struct mf_error *err)
{
	struct mf_shape shape;
	enum mf_status status = mf_reader_shape(run->run.reader, "link_flow", &shape, err);
	if (status != MF_OK)
		return status;
	int time_axis = run->run.replicates ? 1 : 0;
	if (shape.rank != time_axis + 2 || (int)shape.dims[time_axis + 1] != r->network.n_links)
		return mf_error_set(err, MF_ERR_INPUT, "%s: its links are not the baseline's",
				    run->run.given);
	int days = r->to - r->from + 1, n_links = r->network.n_links;
	int replicates = run->run.replicates ? run->run.replicates : 1;
	run->link_flow = calloc((size_t)n_links + 1, sizeof(double));
	int64_t *block = calloc((size_t)days * (size_t)n_links + 1, sizeof(int64_t));
	if (!run->link_flow || !block) {
		free(block);
		return no_memory(err);
	}
	for (int rep = 0; status == MF_OK && rep < replicates; rep++) {
		uint64_t start[3] = {0}, count[3];
		start[0] = (uint64_t)rep;
		count[0] = 1;
		start[time_axis] = (uint64_t)(r->from - run->run.start);
		count[time_axis] = (uint64_t)days;
		start[time_axis + 1] = 0;
		count[time_axis + 1] = (uint64_t)n_links;
		status = mf_reader_read_int64_block(run->run.reader, "link_flow", shape.rank, start,
						    count, block, err);
		for (size_t i = 0; status == MF_OK && i < (size_t)days * (size_t)n_links; i++)
			run->link_flow[i % (size_t)n_links] += (double)block[i] / replicates;
	}
	free(block);
	return status;
}

static int find(char **labels, int n, const char *label)
{
	for (int i = 0; i < n; i++)
		if (strcmp(labels[i], label) == 0)
			return i;
	return -1;
}

static enum mf_status read_network(struct report *r, struct mf_reader *reader,
				   struct mf_error *err)
{
	struct report_network *net = &r->network;
	size_t n_ids = 0, n_names = 0, n_kinds = 0, n_from = 0, n_to = 0;
	char **from = NULL, **to = NULL;
	enum mf_status status;
	if ((status = mf_reader_labels(reader, "place", &net->place_id, &n_ids, err)) != MF_OK ||
	    (status = mf_reader_labels(reader, "place_name", &net->place_name, &n_names, err)) !=
	    MF_OK ||
	    (status = mf_reader_labels(reader, "place_kind", &net->place_kind, &n_kinds, err)) !=
	    MF_OK ||
	    (status = mf_reader_read_doubles(reader, "place_lat", NULL, &net->lat, err)) != MF_OK ||
	    (status = mf_reader_read_doubles(reader, "place_lon", NULL, &net->lon, err)) != MF_OK ||
	    (status = mf_reader_labels(reader, "link_from", &from, &n_from, err)) != MF_OK ||
	    (status = mf_reader_labels(reader, "link_to", &to, &n_to, err)) != MF_OK)
		goto done;
	net->n_places = (int)n_ids;
	net->n_links = (int)n_from;
	if (n_names != n_ids || n_kinds != n_ids || n_to != n_from) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: bad place or link tables",
				      mf_reader_name(reader));
		goto done;
	}
	net->link_from = calloc(n_from + 1, sizeof(int));
	net->link_to = calloc(n_from + 1, sizeof(int));
	if (!net->link_from || !net->link_to) {
		status = no_memory(err);
		goto done;
	}
	for (int l = 0; l < net->n_links; l++) {
		net->link_from[l] = find(net->place_id, net->n_places, from[l]);
		net->link_to[l] = find(net->place_id, net->n_places, to[l]);
		if (net->link_from[l] < 0 || net->link_to[l] < 0) {
			status = mf_error_set(err, MF_ERR_INPUT, "%s: link %d joins unknown places",
					      mf_reader_name(reader), l);
			goto done;
		}
	}
done:
	mf_reader_labels_free(from, n_from);
	mf_reader_labels_free(to, n_to);
	return status;
}

/* The baseline's target_* table, if its scenario names targets. */
static enum mf_status read_targets(struct report_targets *t, struct mf_reader *reader,
				   struct mf_error *err)
{
	if (!mf_reader_has(reader, "target_observed"))
		return MF_OK;
	size_t n = 0, n_quantity = 0, n_window = 0, n_source = 0;
	enum mf_status status;
	if ((status = mf_reader_labels(reader, "target", &t->name, &n, err)) != MF_OK ||
	    (status = mf_reader_labels(reader, "target_quantity", &t->quantity, &n_quantity, err)) !=
	    MF_OK ||
	    (status = mf_reader_labels(reader, "target_window", &t->window, &n_window, err)) != MF_OK ||
	    (status = mf_reader_labels(reader, "target_source", &t->source, &n_source, err)) != MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_observed", NULL, &t->observed, err)) !=
	    MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_simulated", NULL, &t->simulated, err)) !=
	    MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_simulated_sd", NULL, &t->simulated_sd,
					     err)) != MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_error", NULL, &t->error, err)) != MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_tolerance", NULL, &t->tolerance, err)) !=
	    MF_OK ||
	    (status = mf_reader_read_doubles(reader, "target_within", NULL, &t->within, err)) != MF_OK)
		return status;
	t->n = (int)n;
	if (n_quantity != n || n_window != n || n_source != n)
		return mf_error_set(err, MF_ERR_INPUT, "%s: bad target table", mf_reader_name(reader));
	return MF_OK;
}

static enum mf_status read_run(struct report_run *run, const char *given, struct mf_error *err)
{
	enum mf_status status = mf_compare_run_open(&run->run, given, err);
	if (status != MF_OK)
		return status;
	struct mf_reader *reader = run->run.reader;
	run->source = text_attribute(reader, "source");
	run->references = text_attribute(reader, "references");
	run->history = text_attribute(reader, "history");
	run->engine_version = text_attribute(reader, "engine_version");
	if (mf_reader_has_attribute(reader, NULL, "seed"))
		mf_reader_int_attribute(reader, NULL, "seed", &run->seed, NULL);
	if (mf_reader_has_attribute(reader, NULL, "agent_scale"))
		mf_reader_int_attribute(reader, NULL, "agent_scale", &run->agent_scale, NULL);
	run->has_drawn = run->run.drawn != NULL;
	snprintf(run->scenario.name, sizeof(run->scenario.name), "%s", run->run.scenario_name);
	return report_story_read(reader, &run->scenario, err);
}

enum mf_status report_load(struct report *r, int n_runs, char **given, int from, int to,
			   const char *country, struct mf_error *err)
{
	r->country = country;
	r->runs = calloc((size_t)n_runs, sizeof(*r->runs));
	r->compares = calloc((size_t)n_runs, sizeof(*r->compares));
	if (!r->runs || !r->compares)
		return no_memory(err);
	r->n_runs = n_runs;
	enum mf_status status = MF_OK;
	int first = 0, last = 0;
	for (int i = 0; status == MF_OK && i < n_runs; i++) {
		status = read_run(&r->runs[i], given[i], err);
		const struct mf_compare_run *run = &r->runs[i].run;
		if (status == MF_OK && (i == 0 || run->start > first))
			first = run->start;
		if (status == MF_OK && (i == 0 || run->start + run->days - 1 < last))
			last = run->start + run->days - 1;
	}
	if (status != MF_OK)
		return status;
	r->from = from != REPORT_DEFAULT_DAY ? from : first;
	r->to = to != REPORT_DEFAULT_DAY ? to : last;
	if (r->from > r->to)
		return mf_error_set(err, MF_ERR_INPUT, "the window is empty (from after to; or the "
				    "runs share no day)");
	for (int i = 1; i < n_runs; i++)
		report_story_mark_inherited(&r->runs[i].scenario, &r->runs[0].scenario);
	for (int i = 1; status == MF_OK && i < n_runs; i++)
		status = mf_compare_runs(&r->runs[0].run, &r->runs[i].run, r->from, r->to, country,
					 &r->compares[i - 1], err);
	if (status == MF_OK)
		status = make_periods(r, err);
	if (status == MF_OK)
		status = read_network(r, r->runs[0].run.reader, err);
	if (status == MF_OK)
		status = read_targets(&r->targets, r->runs[0].run.reader, err);
	for (int i = 0; status == MF_OK && i < n_runs; i++)
		if ((status = read_bands(r, &r->runs[i], err)) == MF_OK)
			status = read_link_flow(r, &r->runs[i], err);
	return status;
}

/* Labels of mf_reader_labels (NULL-terminated), whatever their count. */
static void free_labels(char **labels)
{
	size_t n = 0;
	while (labels && labels[n])
		n++;
	mf_reader_labels_free(labels, n);
}

void report_free(struct report *r)
{
	for (int i = 0; r->runs && i < r->n_runs; i++) {
		struct report_run *run = &r->runs[i];
		mf_compare_run_close(&run->run);
		report_story_free(&run->scenario);
		for (int k = 0; k < MF_COMPARE_COUNT; k++) {
			free(run->bands[k].mean);
			free(run->bands[k].p05);
			free(run->bands[k].p95);
		}
		free(run->link_flow);
		free(run->source);
		free(run->references);
		free(run->history);
		free(run->engine_version);
	}
	free(r->runs);
	free(r->compares);
	free(r->period_first);
	free(r->period_last);
	struct report_network *net = &r->network;
	free_labels(net->place_name);
	free_labels(net->place_id);
	free_labels(net->place_kind);
	free(net->lat);
	free(net->lon);
	free(net->link_from);
	free(net->link_to);
	struct report_targets *t = &r->targets;
	free_labels(t->name);
	free_labels(t->quantity);
	free_labels(t->window);
	free_labels(t->source);
	free(t->observed);
	free(t->simulated);
	free(t->simulated_sd);
	free(t->error);
	free(t->tolerance);
	free(t->within);
	memset(r, 0, sizeof(*r));
}
