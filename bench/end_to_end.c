/* migflow-bench, 3. the baseline end to end: the calibrated baseline, one
 * replicate over the whole horizon, with its HDF5 output timed apart. */
#include "migflow_bench.h"

#include <stdio.h>
#include <sys/stat.h>

/* The run's observer: wraps the output sink to time HDF5 apart, and keeps
 * what the result reports. */
struct e2e_sink {
	struct mf_sink sink;
	struct mf_sink *output;
	struct e2e_result *r;
	double start;
};

static enum mf_status e2e_begin(struct mf_sink *sink, const struct mf_ensemble_info *info,
				struct mf_error *err)
{
	struct e2e_sink *e = sink->data;
	double mark = bench_now();
	e->r->create_seconds = mark - e->start; /* the simulation was created just before */
	e->r->threads = info->threads;
	e->r->days = info->days;
	enum mf_status status = e->output->impl->begin(e->output, info, err);
	e->r->output_seconds += bench_now() - mark;
	return status;
}

static enum mf_status e2e_day(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	struct e2e_sink *e = sink->data;
	int64_t alive = mf_sim_agents_alive(sim);
	if (alive > e->r->alive_peak)
		e->r->alive_peak = alive;
	double mark = bench_now();
	enum mf_status status = e->output->impl->day(e->output, run, sim, err);
	e->r->output_seconds += bench_now() - mark;
	return status;
}

static enum mf_status e2e_end(struct mf_sink *sink, int run, const struct mf_sim *sim,
			      struct mf_error *err)
{
	struct e2e_sink *e = sink->data;
	struct mf_totals totals;
	mf_sim_totals(sim, &totals);
	e->r->steps = totals.agent_steps;
	mf_sim_phase_seconds(sim, e->r->phase);
	e->r->alive_end = mf_sim_agents_alive(sim);
	e->r->on_links_end = totals.on_links;
	return MF_OK;
}

static enum mf_status e2e_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				 struct mf_error *err)
{
	struct e2e_sink *e = sink->data;
	double mark = bench_now();
	enum mf_status status = e->output->impl->finish(e->output, result, err);
	e->r->output_seconds += bench_now() - mark;
	return status;
}

static void e2e_discard(struct mf_sink *sink)
{
	struct e2e_sink *e = sink->data;
	e->output->impl->discard(e->output);
}

static const struct mf_sink_impl e2e_impl = {
	.begin = e2e_begin,
	.day = e2e_day,
	.end_replicate = e2e_end,
	.finish = e2e_finish,
	.discard = e2e_discard,
};

void bench_e2e_child(const void *argp, void *resultp)
{
	const struct e2e_arg *arg = argp;
	struct e2e_result *r = resultp;
	struct mf_error err = {0};
	double start = bench_now();
	struct mf_scenario *scenario = mf_scenario_load(arg->path, &err);
	r->load_seconds = bench_now() - start;
	if (!scenario) {
		bench_fail_message(r->message, sizeof(r->message), "loading the baseline", &err);
		return;
	}
	struct e2e_sink e = {.output = mf_output_sink_create(arg->output, true, NULL, 0), .r = r};
	e.sink = (struct mf_sink){.impl = &e2e_impl, .data = &e};
	struct mf_sink *sinks[] = {&e.sink};
	struct mf_ensemble_options options = {.seed = scenario->seed, .threads = arg->threads};
	struct mf_ensemble_result result;
	double cpu_start = bench_cpu_seconds();
	e.start = start = bench_now();
	if (!e.output) {
		snprintf(r->message, sizeof(r->message), "out of memory");
		goto done;
	}
	if (mf_ensemble_run(scenario, &options, sinks, 1, &result, &err) != MF_OK) {
		bench_fail_message(r->message, sizeof(r->message), "running the baseline", &err);
		goto done;
	}
	r->wall_seconds = bench_now() - start;
	r->cpu_share = (bench_cpu_seconds() - cpu_start) / (r->wall_seconds * r->threads);
	r->maxrss_kib = bench_peak_rss_kib();
	struct stat st;
	if (stat(arg->output, &st) == 0)
		r->output_bytes = (long long)st.st_size;
	r->ok = 1;
done:
	mf_output_sink_destroy(e.output);
	mf_scenario_destroy(scenario);
}
