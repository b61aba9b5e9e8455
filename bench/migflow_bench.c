/* migflow-bench: performance of the engine on this machine (issue 6).
 *
 * Prints one table with
 *   1. the day step (move phase) on a synthetic population on the baseline
 *      network at several sizes and thread counts,
 *   2. a STREAM-like triad probe of memory bandwidth and the step's bytes
 *      per agent-step, hence the bandwidth-bound throughput,
 *   3. the calibrated baseline end to end (HDF5 output included),
 *   4. memory per agent and peak RSS,
 * and the issue's targets with PASS or MISS.
 *
 * Every measurement runs in its own child process (fork before any OpenMP
 * thread exists in the parent), so that peak RSS belongs to one measurement
 * and one run's heap does not disturb the next. Absolute times drift on a
 * shared machine: compare the ratios measured in the same run.
 *
 * This file: the command line, the report and main. The measurements are in
 * their own files, listed in migflow_bench.h. */
#define _DEFAULT_SOURCE /* realpath, mkdtemp */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "migflow/migflow.h"
#include "bench.h"
#include "migflow_bench.h"
#include "cli/options.h"

#ifndef MF_BENCH_SOURCE_ROOT
#define MF_BENCH_SOURCE_ROOT "."
#endif

/* The issue's targets. */
#define TARGET_STEP_PER_CORE 2.5e8    /* agent-steps/s per core at 4e6 agents */
#define TARGET_E2E_PER_CORE 1e8       /* agent-steps/s per core, baseline */
#define TARGET_SPEEDUP 1.8            /* 1 -> 2 threads on the step */
#define TARGET_BYTES_PER_AGENT 32
#define TARGET_RSS_1E7 (1024.0 * 1024 * 1024) /* bytes */
#define TARGET_LINEARITY 1.3          /* ns per agent-step at 1e7 / at 1e6 */
#define TARGET_OUTPUT_SHARE 0.03      /* HDF5 share of end-to-end time */
#define REFERENCE_SIZE 4000000
#define LINEARITY_SMALL 1000000
#define LINEARITY_LARGE 10000000

struct options {
	char baseline[PATH_MAX];
	int64_t sizes[MAX_SIZES];
	int n_sizes;
	int threads[MAX_THREADS];
	int n_threads;
	int e2e_threads[MAX_THREADS];
	int n_e2e_threads;
	int warmup, days, repeat;
	int triad_mib, triad_reps;
	bool traffic;
	const char *write_scenario; /* write the first size's synthetic scenario here and stop */
};

/* ---- command line ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: migflow-bench [options]\n\n"
		"Measures the day step, memory bandwidth and the baseline end to end, and\n"
		"compares them with the targets of issue 6.\n\n"
		"options:\n"
		"  --baseline FILE       calibrated scenario (default: %s/scenarios/baseline.yaml)\n"
		"  --sizes LIST          agents of the synthetic runs (default: 1e5,1e6,4e6,1e7)\n"
		"  --threads LIST        thread counts of the step (default: 1,2)\n"
		"  --e2e-threads LIST    thread counts of the baseline run, 0 to skip (default: 1,2)\n"
		"  --warmup N            days stepped before timing (default: 3)\n"
		"  --days N              days timed (default: 10; three times as many below 1e6 agents)\n"
		"  --repeat N            runs of each size and thread count, alternating (default: 3)\n"
		"  --triad-mib N         MiB per triad array (default: 512, three arrays)\n"
		"  --triad-reps N        triad repetitions, best kept (default: 10)\n"
		"  --quick               --sizes 1e5,1e6 --e2e-threads 0 --triad-mib 256\n"
		"  --write-scenario FILE write the synthetic scenario of the first size (plus warm-up\n"
		"                        and timed days) to FILE and stop, for profiling with\n"
		"                        `migflow run FILE` under perf or valgrind\n"
		"  -h, --help            this help\n",
		MF_BENCH_SOURCE_ROOT);
}

/* Comma-separated numbers into values; returns the count or -1. */
static int parse_list(const char *text, double min, double max, double *values, int capacity)
{
	if (!text)
		return -1;
	char copy[256];
	snprintf(copy, sizeof(copy), "%s", text);
	int n = 0;
	char *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (n == capacity || !mf_cli_parse_number(item, min, max, &values[n]))
			return -1;
		n++;
	}
	return n > 0 ? n : -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	*o = (struct options){
		.sizes = {100000, 1000000, 4000000, 10000000},
		.n_sizes = 4,
		.threads = {1, 2},
		.n_threads = 2,
		.e2e_threads = {1, 2},
		.n_e2e_threads = 2,
		.warmup = 3,
		.days = 10,
		.repeat = 3,
		.triad_mib = 512,
		.triad_reps = 10,
		.traffic = true,
	};
	snprintf(o->baseline, sizeof(o->baseline), "%s/scenarios/baseline.yaml", MF_BENCH_SOURCE_ROOT);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
		double values[MAX_SIZES], number;
		int n;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--quick") == 0) {
			o->sizes[0] = 100000;
			o->sizes[1] = 1000000;
			o->n_sizes = 2;
			o->n_e2e_threads = 0;
			o->triad_mib = 256;
			continue;
		} else if (strcmp(a, "--baseline") == 0 && value) {
			snprintf(o->baseline, sizeof(o->baseline), "%s", value);
		} else if (strcmp(a, "--sizes") == 0 && (n = parse_list(value, 1000, 5e7, values, MAX_SIZES)) > 0) {
			for (int k = 0; k < n; k++)
				o->sizes[k] = (int64_t)values[k];
			o->n_sizes = n;
		} else if (strcmp(a, "--threads") == 0 && (n = parse_list(value, 1, 256, values, MAX_THREADS)) > 0) {
			for (int k = 0; k < n; k++)
				o->threads[k] = (int)values[k];
			o->n_threads = n;
		} else if (strcmp(a, "--e2e-threads") == 0 && (n = parse_list(value, 0, 256, values, MAX_THREADS)) > 0) {
			o->n_e2e_threads = 0;
			for (int k = 0; k < n; k++)
				if (values[k] >= 1)
					o->e2e_threads[o->n_e2e_threads++] = (int)values[k];
		} else if (strcmp(a, "--warmup") == 0 && mf_cli_parse_number(value, 0, 1000, &number)) {
			o->warmup = (int)number;
		} else if (strcmp(a, "--repeat") == 0 && mf_cli_parse_number(value, 1, MAX_REPEAT, &number)) {
			o->repeat = (int)number;
		} else if (strcmp(a, "--days") == 0 && mf_cli_parse_number(value, 1, 1000, &number)) {
			o->days = (int)number;
		} else if (strcmp(a, "--triad-mib") == 0 && mf_cli_parse_number(value, 1, 65536, &number)) {
			o->triad_mib = (int)number;
		} else if (strcmp(a, "--triad-reps") == 0 && mf_cli_parse_number(value, 1, 1000, &number)) {
			o->triad_reps = (int)number;
		} else if (strcmp(a, "--write-scenario") == 0 && value) {
			o->write_scenario = value;
		} else {
			fprintf(stderr, "migflow-bench: error: bad or incomplete option '%s'\n", a);
			usage(stderr);
			return -1;
		}
		i++;
	}
	return 0;
}

/* ---- report ---- */

/* Load averages: other tenants of a 2-core machine show up here. */
static void print_load(const char *when)
{
	char text[128] = "unknown\n";
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (!fgets(text, sizeof(text), f))
			snprintf(text, sizeof(text), "unknown\n");
		fclose(f);
	}
	printf("load average %s: %s", when, text);
}

static void print_machine(void)
{
	char model[256] = "unknown CPU", line[512];
	long long mem_kib = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "model name", 10) == 0) {
			const char *colon = strchr(line, ':');
			if (colon)
				snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	f = fopen("/proc/meminfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &mem_kib) == 1)
			break;
	if (f)
		fclose(f);
	struct utsname host;
	uname(&host);
	time_t t = time(NULL);
	char date[64];
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
	printf("migflow-bench %s  %s\n", MF_VERSION, date);
	printf("machine: %s, %ld CPUs online, %.1f GiB RAM, Linux %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), (double)mem_kib / (1024.0 * 1024.0), host.release);
}

static const char *verdict(bool pass)
{
	return pass ? "PASS" : "MISS";
}

/* Below this CPU share other processes held the cores during the run. */
#define CONTENDED_SHARE 0.9

/* " (contended: cpu 33 %)" when a measurement did not have its cores. */
static const char *contention(double cpu_share, char *buf, size_t size)
{
	if (cpu_share >= CONTENDED_SHARE)
		return "";
	snprintf(buf, size, " (contended: cpu %.0f %%)", 100 * cpu_share);
	return buf;
}

int main(int argc, char **argv)
{
	struct options o;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	char baseline[PATH_MAX];
	if (!realpath(o.baseline, baseline)) {
		fprintf(stderr, "migflow-bench: error: cannot find %s: %s\n", o.baseline, strerror(errno));
		return 1;
	}
	struct mf_error err = {0};
	struct mf_scenario *base = mf_scenario_load(baseline, &err);
	char *base_text = bench_read_text(baseline);
	if (!base || !base_text) {
		char text[600];
		fprintf(stderr, "migflow-bench: error: %s\n",
			base ? "cannot read the baseline" : mf_error_format(&err, text, sizeof(text)));
		return 1;
	}
	if (o.write_scenario) {
		int days = o.sizes[0] < 1000000 ? 3 * o.days : o.days;
		if (bench_write_synthetic(base, base_text, o.write_scenario, o.sizes[0], o.warmup + days + 1) < 0) {
			fprintf(stderr, "migflow-bench: error: cannot write %s: %s\n", o.write_scenario,
				strerror(errno));
			return 1;
		}
		printf("wrote %s (%lld agents)\n", o.write_scenario, (long long)o.sizes[0]);
		return 0;
	}
	char dir[] = "/tmp/migflow-bench-XXXXXX";
	if (!mkdtemp(dir)) {
		fprintf(stderr, "migflow-bench: error: cannot make a temporary directory: %s\n", strerror(errno));
		return 1;
	}
	int status = 0;
	print_machine();
	printf("OpenMP: step threads");
	for (int t = 0; t < o.n_threads; t++)
		printf(" %d", o.threads[t]);
	printf("; every measurement in its own process; times are wall clock (omp_get_wtime in the engine)\n");
	print_load("at start");
	printf("\n");

	/* 2 (run first, printed after 1): memory bandwidth. */
	struct triad_result triad[MAX_THREADS];
	size_t triad_n = (size_t)o.triad_mib * 1024 * 1024 / sizeof(double);
	for (int t = 0; t < o.n_threads; t++) {
		struct triad_arg arg = {.threads = o.threads[t], .n = triad_n, .reps = o.triad_reps};
		if (!bench_in_child(bench_triad_child, &arg, &triad[t], sizeof(triad[t])) || !triad[t].ok) {
			fprintf(stderr, "migflow-bench: triad on %d threads failed\n", o.threads[t]);
			triad[t].ok = 0;
			status = 1;
		}
	}

	/* 1: the day step. */
	printf("1. DAY STEP (move phase) - synthetic population on the baseline network\n");
	printf("   mix of N: %.0f %% baseline initial stock (at goals), %.0f %% onward from the baseline's onward\n"
	       "   sources, %.0f %% return from its circular stocks; no sources or events; %d warm-up days,\n"
	       "   %d timed days (x3 below 1e6 agents), %d runs of each row alternating thread counts;\n"
	       "   agent-steps = agents stepped (mf_sim_totals)\n",
	       100 * SHARE_STOCK, 100 * SHARE_ONWARD, 100 * SHARE_RETURN, o.warmup, o.days, o.repeat);
	printf("   %-9s %3s %9s %6s %11s %11s %8s %8s %8s %8s %9s %7s %7s %9s %5s %6s\n", "agents", "thr", "alive",
	       "link%", "steps/s", "/s/core", "ns/st/c", "mean", "best", "B/step", "bw-bound", "ach/bw",
	       "LLC/st", "peak RSS", "cpu%", "cpu ns");
	static struct step_cell cells[MAX_SIZES][MAX_THREADS];
	static struct step_result runs[MAX_THREADS][MAX_REPEAT];
	for (int s = 0; s < o.n_sizes; s++) {
		int64_t n = o.sizes[s];
		int days = n < 1000000 ? 3 * o.days : o.days;
		struct step_arg arg = {.warmup = o.warmup, .days = days};
		snprintf(arg.path, sizeof(arg.path), "%s/synthetic-%lld.yaml", dir, (long long)n);
		if (bench_write_synthetic(base, base_text, arg.path, n, o.warmup + days + 1) < 0) {
			fprintf(stderr, "migflow-bench: cannot write %s\n", arg.path);
			status = 1;
			continue;
		}
		/* Thread counts alternate within each repetition, so that the
		 * ratios compare runs made close together in time. */
		for (int rep = 0; rep < o.repeat; rep++)
			for (int t = 0; t < o.n_threads; t++) {
				struct step_result *r = &runs[t][rep];
				arg.threads = o.threads[t];
				/* The traffic model does not depend on threads: once per size. */
				arg.traffic = o.traffic && t == 0 && rep == 0;
				if (!bench_in_child(bench_step_child, &arg, r, sizeof(*r)) || !r->ok) {
					fprintf(stderr, "migflow-bench: step at %lld agents on %d threads failed: %s\n",
						(long long)n, arg.threads, r->message);
					r->ok = 0;
					status = 1;
					continue;
				}
				bench_cell_add(&cells[s][t], rep, r);
			}
		for (int t = 0; t < o.n_threads; t++) {
			struct step_cell *cell = &cells[s][t];
			if (cell->reps == 0)
				continue;
			bench_cell_finish(cell, runs[t], o.repeat);
			int threads = o.threads[t];
			const struct step_result *r = &cell->first;
			double bytes = bench_traffic_bytes_per_step(&cells[s][0].first.traffic);
			double rate = bench_steps_per_second(cell);
			double bound = bytes > 0 && triad[t].ok ? triad[t].bytes_per_second / bytes : 0;
			double alive = 0.5 * (double)(r->alive_start + r->alive_end);
			double on_link = 0.5 * (double)(r->on_links_start + r->on_links_end) / alive;
			char llc[32] = "n/a";
			if (cell->llc_misses >= 0 && cell->steps > 0)
				snprintf(llc, sizeof(llc), "%.3f", (double)cell->llc_misses / (double)cell->steps);
			printf("   %-9.1e %3d %9.3g %5.1f%% %11.3e %11.3e %8.2f %8.2f %8.2f %8.2f %9.2e %7.2f %7s %5.0f MiB %4.0f%% %6.2f\n",
			       (double)n, threads, alive, 100 * on_link, rate, rate / threads,
			       bench_ns_per_step_core(cell, threads), cell->mean_ns * threads, cell->best_ns * threads,
			       bytes, bound, bound > 0 ? rate / bound : 0, llc, (double)cell->maxrss_kib / 1024,
			       100 * cell->cpu_share, cell->steps ? 1e9 * cell->cpu_seconds / (double)cell->steps : 0);
		}
	}
	printf("   steps/s = agent-steps / move-phase wall seconds of the median day (all runs pooled);\n"
	       "   /s/core = steps/s / threads; ns/st/c = wall ns per agent-step x threads, median day;\n"
	       "   mean = all timed days together;\n"
	       "   best = fastest day; alive, link%% = agents in the model and share on links (timed days);\n"
	       "   B/step = DRAM bytes per agent-step of the traffic model (section 2);\n"
	       "   bw-bound = triad bytes/s / B/step; ach/bw = steps/s / bw-bound;\n"
	       "   LLC/st = last-level-cache misses per agent-step (perf_event_open; n/a if no PMU);\n"
	       "   cpu%% = CPU time / (wall time x threads) over the timed days, lowest run: below ~95 %%\n"
	       "   other processes took the cores and the row is slower than the machine can do;\n"
	       "   cpu ns = CPU ns of the process per agent-step over the timed days, all phases, all threads\n"
	       "   (spinning OpenMP workers included): a load-tolerant cross-check of ns/st/c\n\n");

	printf("2. MEMORY BANDWIDTH AND BYTES PER AGENT-STEP\n");
	printf("   triad a[i] = b[i] + 3*c[i], 3 arrays x %d MiB, best of %d, STREAM counting (24 B/element)\n",
	       o.triad_mib, o.triad_reps);
	for (int t = 0; t < o.n_threads; t++)
		if (triad[t].ok)
			printf("   %d thread%s: %6.2f GB/s (%.4f s)\n", o.threads[t], o.threads[t] > 1 ? "s" : " ",
			       triad[t].bytes_per_second / 1e9, triad[t].best_seconds);
	printf("   traffic model: per array, 64-byte lines holding an agent the step reads (model of\n"
	       "   step.c, bench/traffic.c) and lines the day changed (measured), one day, %d thread%s\n",
	       o.threads[0], o.threads[0] > 1 ? "s" : "");
	for (int s = 0; s < o.n_sizes; s++) {
		const struct step_cell *cell = &cells[s][0];
		if (cell->reps == 0 || !cell->first.traffic.valid)
			continue;
		const struct bench_traffic *tr = &cell->first.traffic;
		printf("   %.1e agents: slots %lld, stepped %lld, on links %.1f %%, arriving %.2f %%\n",
		       (double)o.sizes[s], (long long)tr->slots, (long long)tr->stepped,
		       100.0 * (double)tr->on_link / (double)tr->stepped,
		       100.0 * (double)tr->arriving / (double)tr->stepped);
		printf("     %-9s %4s %9s %9s %9s\n", "array", "B", "read %", "dirty %", "B/step");
		double total = 0;
		for (int k = 0; k < tr->n_arrays; k++) {
			double lines = (double)tr->lines_total[k];
			double per_step = 64.0 * (double)(tr->lines_read[k] + tr->lines_dirty[k]) / (double)tr->stepped;
			total += per_step;
			printf("     %-9s %4d %8.1f%% %8.1f%% %9.3f\n", tr->name[k], tr->element_bytes[k],
			       lines > 0 ? 100.0 * (double)tr->lines_read[k] / lines : 0,
			       lines > 0 ? 100.0 * (double)tr->lines_dirty[k] / lines : 0, per_step);
		}
		printf("     %-9s %4d %9s %9s %9.3f  (all %d B of every slot read once, none written: %.2f)\n",
		       "total", mf_sim_bytes_per_agent(), "", "", total, mf_sim_bytes_per_agent(),
		       (double)mf_sim_bytes_per_agent() * (double)tr->slots / (double)tr->stepped);
	}
	printf("\n");

	/* 3: the baseline end to end. */
	struct e2e_result e2e[MAX_THREADS];
	int e2e_main = -1;
	if (o.n_e2e_threads > 0)
		printf("3. END TO END - %s, one replicate, whole horizon, HDF5 output\n", baseline);
	for (int t = 0; t < o.n_e2e_threads; t++) {
		struct e2e_arg arg = {.threads = o.e2e_threads[t]};
		snprintf(arg.path, sizeof(arg.path), "%s", baseline);
		snprintf(arg.output, sizeof(arg.output), "%s/baseline.h5", dir);
		bool ok = bench_in_child(bench_e2e_child, &arg, &e2e[t], sizeof(e2e[t])) && e2e[t].ok;
		remove(arg.output);
		if (!ok) {
			fprintf(stderr, "migflow-bench: baseline on %d threads failed: %s\n", arg.threads,
				e2e[t].message);
			e2e[t].ok = 0;
			status = 1;
			continue;
		}
		const struct e2e_result *r = &e2e[t];
		if (e2e_main < 0 || r->threads > e2e[e2e_main].threads)
			e2e_main = t;
		double wall = r->wall_seconds, rate = (double)r->steps / wall;
		double spawn = r->phase[MF_PHASE_SPAWN];
		double step = r->phase[MF_PHASE_MOVE] + r->phase[MF_PHASE_CAPACITY];
		double aggregate = r->phase[MF_PHASE_COUNT_UP] + r->phase[MF_PHASE_EVENTS];
		double other = wall - spawn - step - aggregate - r->output_seconds;
		printf("   %d thread%s: %d days, %.3e agent-steps, wall %.2f s (+ %.2f s loading), %.3e steps/s,"
		       " %.3e /s/core, cpu %.0f %%\n",
		       r->threads, r->threads > 1 ? "s" : " ", r->days, (double)r->steps, wall, r->load_seconds,
		       rate, rate / r->threads, 100 * r->cpu_share);
		printf("     spawn %5.1f %%  step %5.1f %% (move %.1f, capacity %.1f)  aggregation %5.1f %%"
		       " (count %.1f, events %.1f)  HDF5 %5.2f %%  other %4.1f %% (create %.2f s)\n",
		       100 * spawn / wall, 100 * step / wall, 100 * r->phase[MF_PHASE_MOVE] / wall,
		       100 * r->phase[MF_PHASE_CAPACITY] / wall, 100 * aggregate / wall,
		       100 * r->phase[MF_PHASE_COUNT_UP] / wall, 100 * r->phase[MF_PHASE_EVENTS] / wall,
		       100 * r->output_seconds / wall, 100 * other / wall, r->create_seconds);
		printf("     move phase alone %.3e steps/s (%.2f ns/step/core); agents alive: peak %lld, end %lld"
		       " (%.1f %% on links); peak RSS %.0f MiB; output %.1f MiB\n",
		       (double)r->steps / r->phase[MF_PHASE_MOVE],
		       1e9 * r->phase[MF_PHASE_MOVE] * r->threads / (double)r->steps, (long long)r->alive_peak,
		       (long long)r->alive_end, 100.0 * (double)r->on_links_end / (double)r->alive_end,
		       (double)r->maxrss_kib / 1024, (double)r->output_bytes / (1024.0 * 1024));
	}
	if (o.n_e2e_threads > 0)
		printf("\n");

	/* 4: memory. */
	printf("4. MEMORY\n   bytes per agent (mf_sim_bytes_per_agent): %d\n", mf_sim_bytes_per_agent());
	int s_large = -1, s_small = -1, s_ref = -1;
	for (int s = 0; s < o.n_sizes; s++) {
		if (o.sizes[s] == LINEARITY_LARGE)
			s_large = s;
		if (o.sizes[s] == LINEARITY_SMALL)
			s_small = s;
		if (o.sizes[s] == REFERENCE_SIZE)
			s_ref = s;
		for (int t = 0; t < o.n_threads; t++)
			if (cells[s][t].reps > 0) {
				long rss = cells[s][t].maxrss_kib;
				printf("   %.1e agents, %d thread%s: peak RSS %.0f MiB = %.1f B per initial agent\n",
				       (double)o.sizes[s], o.threads[t], o.threads[t] > 1 ? "s" : " ",
				       (double)rss / 1024, 1024.0 * (double)rss / (double)o.sizes[s]);
			}
	}
	printf("\n");

	/* 5: speed-up and linearity. */
	int t1 = -1, t2 = -1;
	for (int t = 0; t < o.n_threads; t++) {
		if (o.threads[t] == 1)
			t1 = t;
		if (o.threads[t] == 2)
			t2 = t;
	}
	printf("5. SCALING\n");
	if (t1 >= 0 && t2 >= 0)
		for (int s = 0; s < o.n_sizes; s++)
			if (cells[s][t1].reps > 0 && cells[s][t2].reps > 0)
				printf("   1 -> 2 threads at %.1e agents: %.2fx (median of side-by-side repetitions;"
				       " triad %.2fx)\n", (double)o.sizes[s], bench_speedup(&cells[s][t1], &cells[s][t2], o.repeat),
				       triad[t1].ok && triad[t2].ok ? triad[t2].bytes_per_second / triad[t1].bytes_per_second : 0);
	for (int t = 0; t < o.n_e2e_threads; t++)
		for (int u = 0; u < o.n_e2e_threads; u++)
			if (e2e[t].ok && e2e[u].ok && e2e[t].threads == 1 && e2e[u].threads == 2)
				printf("   end to end 1 -> 2 threads: %.2fx (move phase %.2fx)\n",
				       e2e[t].wall_seconds / e2e[u].wall_seconds,
				       e2e[t].phase[MF_PHASE_MOVE] / e2e[u].phase[MF_PHASE_MOVE]);
	for (int t = 0; t < o.n_threads; t++)
		for (int s = 1; s < o.n_sizes; s++)
			if (cells[0][t].reps > 0 && cells[s][t].reps > 0)
				printf("   %d thread%s: ns per agent-step at %.1e / at %.1e = %.2f\n", o.threads[t],
				       o.threads[t] > 1 ? "s" : " ", (double)o.sizes[s], (double)o.sizes[0],
				       cells[s][t].median_ns / cells[0][t].median_ns);
	printf("\n");

	/* Targets. */
	printf("TARGETS (issue 6)\n   %-4s %-58s %-26s %s\n", "#", "target", "measured", "");
	char measured[64], note[64];
	for (int t = 0; t < o.n_threads; t++) {
		if (s_ref < 0 || cells[s_ref][t].reps == 0)
			continue;
		const struct step_cell *cell = &cells[s_ref][t];
		double per_core = bench_steps_per_second(cell) / o.threads[t];
		snprintf(measured, sizeof(measured), "%.3e/s (%.2f ns)", per_core, bench_ns_per_step_core(cell, o.threads[t]));
		printf("   (1)  step >= 2.5e8 agent-steps/s per core at 4e6, %d thread%s    %-26s %s%s\n",
		       o.threads[t], o.threads[t] > 1 ? "s" : " ", measured, verdict(per_core >= TARGET_STEP_PER_CORE),
		       contention(cell->cpu_share, note, sizeof(note)));
	}
	for (int t = 0; t < o.n_e2e_threads; t++) {
		if (!e2e[t].ok)
			continue;
		double per_core = (double)e2e[t].steps / e2e[t].wall_seconds / e2e[t].threads;
		snprintf(measured, sizeof(measured), "%.3e/s", per_core);
		printf("   (2)  end to end >= 1e8 agent-steps/s per core, %d thread%s       %-26s %s%s%s\n",
		       e2e[t].threads, e2e[t].threads > 1 ? "s" : " ", measured,
		       verdict(per_core >= TARGET_E2E_PER_CORE), t == e2e_main ? "" : " (info)",
		       contention(e2e[t].cpu_share, note, sizeof(note)));
	}
	if (t1 >= 0 && t2 >= 0)
		for (int s = 0; s < o.n_sizes; s++) {
			if (o.sizes[s] < REFERENCE_SIZE || cells[s][t1].reps == 0 || cells[s][t2].reps == 0)
				continue;
			double gain = bench_speedup(&cells[s][t1], &cells[s][t2], o.repeat);
			snprintf(measured, sizeof(measured), "%.2fx", gain);
			printf("   (3)  step 1 -> 2 threads >= 1.8x at %.0e                       %-26s %s%s\n",
			       (double)o.sizes[s], measured, verdict(gain >= TARGET_SPEEDUP),
			       contention(fmin(cells[s][t1].cpu_share, cells[s][t2].cpu_share), note, sizeof(note)));
		}
	snprintf(measured, sizeof(measured), "%d B", mf_sim_bytes_per_agent());
	printf("   (4a) <= 32 bytes per agent                                     %-26s %s\n", measured,
	       verdict(mf_sim_bytes_per_agent() <= TARGET_BYTES_PER_AGENT));
	if (s_large >= 0) {
		long rss = 0;
		for (int t = 0; t < o.n_threads; t++)
			if (cells[s_large][t].maxrss_kib > rss)
				rss = cells[s_large][t].maxrss_kib;
		snprintf(measured, sizeof(measured), "%.0f MiB", (double)rss / 1024);
		printf("   (4b) 1e7 agents under 1 GiB peak RSS                           %-26s %s\n", measured,
		       verdict(rss > 0 && 1024.0 * (double)rss < TARGET_RSS_1E7));
	}
	if (s_large >= 0 && s_small >= 0)
		for (int t = 0; t < o.n_threads; t++) {
			if (cells[s_large][t].reps == 0 || cells[s_small][t].reps == 0)
				continue;
			double ratio = cells[s_large][t].median_ns / cells[s_small][t].median_ns;
			snprintf(measured, sizeof(measured), "%.2fx", ratio);
			printf("   (5)  ns/agent-step at 1e7 <= 1.3x that at 1e6, %d thread%s       %-26s %s%s\n",
			       o.threads[t], o.threads[t] > 1 ? "s" : " ", measured, verdict(ratio <= TARGET_LINEARITY),
			       contention(fmin(cells[s_large][t].cpu_share, cells[s_small][t].cpu_share), note,
					  sizeof(note)));
		}
	for (int t = 0; t < o.n_e2e_threads; t++) {
		if (!e2e[t].ok)
			continue;
		double share = e2e[t].output_seconds / e2e[t].wall_seconds;
		snprintf(measured, sizeof(measured), "%.2f %% (%.2f s)", 100 * share, e2e[t].output_seconds);
		printf("   (6)  HDF5 output <= 3 %% of end to end, %d thread%s              %-26s %s%s%s\n",
		       e2e[t].threads, e2e[t].threads > 1 ? "s" : " ", measured,
		       verdict(share <= TARGET_OUTPUT_SHARE), t == e2e_main ? "" : " (info)",
		       contention(e2e[t].cpu_share, note, sizeof(note)));
	}
	printf("   (7)  determinism unchanged                                     checked by meson test (determinism)\n");
	print_load("at end");

	free(base_text);
	mf_scenario_destroy(base);
	for (int s = 0; s < o.n_sizes; s++) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/synthetic-%lld.yaml", dir, (long long)o.sizes[s]);
		remove(path);
	}
	rmdir(dir);
	return status;
}
