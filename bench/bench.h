/* migflow-bench: the traffic model (traffic.c) and the cache-miss counter
 * (perf_counter.c); the files that use them are listed in migflow_bench.h. */
#ifndef MF_BENCH_H
#define MF_BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct mf_sim;

#define BENCH_ARRAYS_MAX 16

/* Memory traffic of one day's step, counted in 64-byte cache lines of the
 * agent arrays: lines that hold at least one agent whose step reads the
 * array (a model of step.c, see traffic.c) and lines whose bytes changed
 * during the day (measured). */
struct bench_traffic {
	int n_arrays;
	char name[BENCH_ARRAYS_MAX][16];
	int element_bytes[BENCH_ARRAYS_MAX];
	int64_t lines_total[BENCH_ARRAYS_MAX];
	int64_t lines_read[BENCH_ARRAYS_MAX];
	int64_t lines_dirty[BENCH_ARRAYS_MAX];
	int64_t slots;           /* agent slots iterated by the step */
	int64_t stepped;         /* agents at places or on links */
	int64_t on_link;         /* of which on links */
	int64_t arriving;        /* of which arriving today */
	bool valid;              /* false when the store changed shape */
};

/* The snapshot taken before a day; opaque to the caller. */
struct bench_snapshot;

/* Copies the agent arrays and counts the lines the next day will read.
 * Returns NULL when out of memory. */
struct bench_snapshot *bench_traffic_begin(const struct mf_sim *sim, struct bench_traffic *traffic);

/* Counts the lines the day changed and frees the snapshot. */
void bench_traffic_end(const struct mf_sim *sim, struct bench_snapshot *snapshot,
		       struct bench_traffic *traffic);

/* Bytes per agent-step the traffic implies: every line read once, every
 * dirty line written back once. */
double bench_traffic_bytes_per_step(const struct bench_traffic *traffic);

/* Hardware last-level-cache miss counter of the calling thread
 * (perf_event_open, PERF_COUNT_HW_CACHE_MISSES), created disabled.
 * Returns -1 when the kernel or the hypervisor does not offer it. */
int bench_perf_open(void);
void bench_perf_start(int fd);
/* Stops the counter and returns its value, -1 on failure. */
int64_t bench_perf_stop(int fd);
void bench_perf_close(int fd);

#endif
