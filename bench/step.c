/* migflow-bench, 1. the day step on a synthetic population: the baseline
 * with its population replaced by a synthetic one of about N agents, and a
 * sink of the ensemble that times the move phase on it day by day (with the
 * cache-miss counters and the traffic snapshot of bench.h). */
#include "migflow_bench.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

char *bench_read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *text = NULL;
	size_t length = 0, capacity = 0;
	int ch;
	while ((ch = fgetc(f)) != EOF) {
		if (length + 2 > capacity) {
			capacity = capacity ? 2 * capacity : 65536;
			char *bigger = realloc(text, capacity);
			if (!bigger) {
				free(text);
				fclose(f);
				return NULL;
			}
			text = bigger;
		}
		text[length++] = (char)ch;
	}
	fclose(f);
	if (!text)
		text = calloc(1, 1);
	else
		text[length] = '\0';
	return text;
}

/* Top-level keys of the baseline that the synthetic scenario replaces. */
static bool replaced_key(const char *line)
{
	static const char *const keys[] = {"days", "end", "report_from", "network", "sources",
					   "initial", "events", "policies", "extends", "calibrate",
					   "targets"};
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++) {
		size_t length = strlen(keys[k]);
		if (strncmp(line, keys[k], length) == 0 &&
		    (line[length] == ':' || line[length] == ' '))
			return true;
	}
	return false;
}

static void write_group(FILE *f, const struct mf_graph *g, int place, enum mf_intent intent,
			double persons, const struct mf_goal_set *homes)
{
	long long count = llround(persons);
	if (count <= 0)
		return;
	fprintf(f, "  - place: %s\n    intent: %s\n    persons: %lld\n", g->places[place].id,
		mf_intent_name(intent), count);
	if (homes) {
		fprintf(f, "    homes: {");
		for (int k = 0; k < homes->n; k++)
			fprintf(f, "%s%s: %.17g", k ? ", " : "", g->places[homes->place[k]].id,
				homes->weight[k]);
		fprintf(f, "}\n");
	}
}

/* Writes the baseline with its sources, events and initial population
 * replaced by a synthetic population of about n agents, network paths made
 * absolute, run length `days`. */
int bench_write_synthetic(const struct mf_scenario *base, const char *base_text, const char *path,
			  int64_t n, int days)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# Synthetic population for migflow-bench: the baseline's parameters, network,\n"
		   "# monitoring and expulsions; no sources, no events.\n");
	bool keep = true;
	for (const char *line = base_text; *line;) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) + 1 : strlen(line);
		if (isalpha((unsigned char)line[0]) || line[0] == '_')
			keep = !replaced_key(line);
		if (keep)
			fwrite(line, 1, length, f);
		line += length;
	}
	const struct mf_graph *g = base->graph;
	fprintf(f, "\ndays: %d\nnetwork: {places: \"%s\", links: \"%s\"}\ninitial:\n", days,
		g->places_path, g->links_path);
	double stock = 0, circular = 0, onward_rate = 0;
	for (int i = 0; i < base->n_initial; i++) {
		stock += base->initial[i].persons;
		if (base->initial[i].intent == MF_INTENT_CIRCULAR)
			circular += base->initial[i].persons;
	}
	for (int i = 0; i < base->n_sources; i++)
		if (base->sources[i].intent == MF_INTENT_ONWARD)
			onward_rate += base->sources[i].rate;
	/* Each group in PIECES pieces, written round robin, so that movers and
	 * stayers are spread over the store as spawning by day spreads them. */
	for (int piece = 0; piece < PIECES; piece++) {
		for (int i = 0; i < base->n_initial && stock > 0; i++) {
			const struct mf_initial *init = &base->initial[i];
			write_group(f, g, init->place, init->intent,
				    (double)n * SHARE_STOCK * init->persons / stock / PIECES, &init->homes);
		}
		for (int i = 0; i < base->n_initial && circular > 0; i++) {
			const struct mf_initial *init = &base->initial[i];
			if (init->intent == MF_INTENT_CIRCULAR)
				write_group(f, g, init->place, MF_INTENT_RETURN,
					    (double)n * SHARE_RETURN * init->persons / circular / PIECES,
					    &init->homes);
		}
		for (int i = 0; i < base->n_sources && onward_rate > 0; i++) {
			const struct mf_source *src = &base->sources[i];
			if (src->intent == MF_INTENT_ONWARD)
				write_group(f, g, src->place, MF_INTENT_ONWARD,
					    (double)n * SHARE_ONWARD * src->rate / onward_rate / PIECES, NULL);
		}
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* The step's observer, a sink of the ensemble: after the warm-up days it
 * starts the clocks and the cache-miss counters, times the move phase day
 * by day, stops after the timed days, and brackets one more day with the
 * traffic snapshot when asked. */
struct step_sink {
	struct mf_sink sink;
	const struct step_arg *arg;
	struct step_result *r;
	double start, wall_before, cpu_before;
	double phase_before[MF_PHASE_COUNT], day_move;
	uint64_t steps_before, day_steps;
	int fds[MAX_PERF_THREADS], n_fds;
	struct bench_snapshot *snapshot;
};

static enum mf_status step_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				 struct mf_error *err)
{
	struct step_sink *k = sink->data;
	k->r->create_seconds = bench_now() - k->start;
	return MF_OK;
}

static void timing_start(struct step_sink *k, const struct mf_sim *sim)
{
	const struct step_arg *arg = k->arg;
	struct mf_totals totals;
	mf_sim_totals(sim, &totals);
	mf_sim_phase_seconds(sim, k->phase_before);
	k->steps_before = k->day_steps = totals.agent_steps;
	k->day_move = k->phase_before[MF_PHASE_MOVE];
	k->r->alive_start = mf_sim_agents_alive(sim);
	k->r->on_links_start = totals.on_links;
	k->n_fds = arg->threads < MAX_PERF_THREADS ? arg->threads : MAX_PERF_THREADS;
	for (int t = 0; t < k->n_fds; t++)
		k->fds[t] = -1;
	/* One counter per thread of the pool the step's parallel region reuses. */
	int *fds = k->fds, n_fds = k->n_fds;
#pragma omp parallel num_threads(arg->threads)
	{
		int t = omp_get_thread_num();
		if (t < n_fds)
			fds[t] = bench_perf_open();
	}
	for (int t = 0; t < k->n_fds; t++)
		bench_perf_start(k->fds[t]);
	k->wall_before = bench_now();
	k->cpu_before = bench_cpu_seconds();
}

static void timing_stop(struct step_sink *k, const struct mf_sim *sim)
{
	struct step_result *r = k->r;
	const struct step_arg *arg = k->arg;
	r->cpu_seconds = bench_cpu_seconds() - k->cpu_before;
	r->cpu_share = r->cpu_seconds / ((bench_now() - k->wall_before) * arg->threads);
	r->llc_misses = 0;
	for (int t = 0; t < k->n_fds; t++) {
		int64_t misses = bench_perf_stop(k->fds[t]);
		bench_perf_close(k->fds[t]);
		r->llc_misses = misses < 0 || r->llc_misses < 0 ? -1 : r->llc_misses + misses;
	}
	struct mf_totals totals;
	double phase[MF_PHASE_COUNT];
	mf_sim_totals(sim, &totals);
	mf_sim_phase_seconds(sim, phase);
	r->steps = totals.agent_steps - k->steps_before;
	r->move_seconds = phase[MF_PHASE_MOVE] - k->phase_before[MF_PHASE_MOVE];
	r->capacity_seconds = phase[MF_PHASE_CAPACITY] - k->phase_before[MF_PHASE_CAPACITY];
	r->alive_end = mf_sim_agents_alive(sim);
	r->on_links_end = totals.on_links;
	r->maxrss_kib = bench_peak_rss_kib();
}

static enum mf_status step_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
			       struct mf_error *err)
{
	struct step_sink *k = sink->data;
	const struct step_arg *arg = k->arg;
	struct step_result *r = k->r;
	int done = mf_sim_days_done(sim);
	if (done == arg->warmup) {
		timing_start(k, sim);
	} else if (done > arg->warmup && done <= arg->warmup + arg->days) {
		struct mf_totals totals;
		double phase[MF_PHASE_COUNT];
		mf_sim_totals(sim, &totals);
		mf_sim_phase_seconds(sim, phase);
		uint64_t day_steps = totals.agent_steps - k->day_steps;
		if (day_steps > 0 && r->days < MAX_DAYS)
			r->day_ns[r->days++] = 1e9 * (phase[MF_PHASE_MOVE] - k->day_move) / (double)day_steps;
		k->day_steps = totals.agent_steps;
		k->day_move = phase[MF_PHASE_MOVE];
		if (done == arg->warmup + arg->days) {
			timing_stop(k, sim);
			if (arg->traffic)
				k->snapshot = bench_traffic_begin(sim, &r->traffic);
		}
	} else if (done == arg->warmup + arg->days + 1 && k->snapshot) {
		bench_traffic_end(sim, k->snapshot, &r->traffic);
		k->snapshot = NULL;
	}
	return MF_OK;
}

static const struct mf_sink_impl step_impl = {
	.begin = step_begin,
	.day = step_day,
};

void bench_step_child(const void *argp, void *resultp)
{
	const struct step_arg *arg = argp;
	struct step_result *r = resultp;
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(arg->path, &err);
	if (!scenario) {
		bench_fail_message(r->message, sizeof(r->message), "loading the synthetic scenario", &err);
		return;
	}
	struct step_sink k = {.arg = arg, .r = r};
	k.sink = (struct mf_sink){.impl = &step_impl, .data = &k};
	struct mf_sink *sinks[] = {&k.sink};
	/* The warm-up days, the timed days and, for the traffic snapshot, one more. */
	struct mf_ensemble_options options = {
		.seed = scenario->seed,
		.threads = arg->threads,
		.days = arg->warmup + arg->days + (arg->traffic ? 1 : 0),
	};
	k.start = bench_now();
	if (mf_ensemble_run(scenario, &options, sinks, 1, NULL, &err) != MF_OK)
		bench_fail_message(r->message, sizeof(r->message), "stepping", &err);
	else
		r->ok = 1;
	mf_scenario_destroy(scenario);
}
