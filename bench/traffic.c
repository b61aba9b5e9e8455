/* The memory traffic model of the day step, counted on the real agent store.
 *
 * This is the one part of the benchmark that reads the private agent layout
 * (src/agents.h, src/world.h): update the table in arrays_of() and the
 * reader rules in count_reads() when the layout or src/step.c changes.
 *
 * Reader rules (from src/step.c, mf_phase_move):
 *   state              every slot (the loop reads state[i] for all of them)
 *   timer              every agent at a place (its decision day) or on a
 *                      link (its arrival day)
 *   loc                agents deciding at a place today, agents on links
 *   goal, intent       agents deciding at a place today, agents arriving
 *   home, flags        agents arriving from a link (abroad flag, monitor
 *                      direction); rare branches (expulsion, displaced
 *                      going home, days when a bound changes) are left out
 *   attempts, born     not read on the common paths
 * A line is read when at least one of its agents reads it: with 32 or 64
 * agents per line, a few readers are enough to bring the whole line in. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sahel/sahel.h"

struct array_ref {
	const char *name;
	const void *data;
	int element_bytes;
};

struct bench_snapshot {
	int n_arrays;
	int64_t n;
	unsigned char *copy[BENCH_ARRAYS_MAX];
};

enum { A_STATE, A_LOC, A_GOAL, A_INTENT, A_TIMER, A_HOME, A_FLAGS, A_ATTEMPTS, A_BORN, A_COUNT };

static int arrays_of(const struct mf_agents *a, struct array_ref *out)
{
	const struct array_ref arrays[A_COUNT] = {
		[A_STATE] = {"state", a->state, sizeof(*a->state)},
		[A_LOC] = {"loc", a->loc, sizeof(*a->loc)},
		[A_GOAL] = {"goal", a->goal, sizeof(*a->goal)},
		[A_INTENT] = {"intent", a->intent, sizeof(*a->intent)},
		[A_TIMER] = {"timer", a->timer, sizeof(*a->timer)},
		[A_HOME] = {"home", a->home, sizeof(*a->home)},
		[A_FLAGS] = {"flags", a->flags, sizeof(*a->flags)},
		[A_ATTEMPTS] = {"attempts", a->attempts, sizeof(*a->attempts)},
		[A_BORN] = {"born", a->born, sizeof(*a->born)},
	};
	memcpy(out, arrays, sizeof(arrays));
	return A_COUNT;
}

static uintptr_t line_of(const struct array_ref *array, int64_t i)
{
	return ((uintptr_t)array->data + (uintptr_t)i * (uintptr_t)array->element_bytes) / 64;
}

static void count_reads(const struct mf_sim *sim, const struct array_ref *arrays,
			struct bench_traffic *t)
{
	const struct mf_agents *a = &sahel_of(sim)->agents;
	uintptr_t last[A_COUNT];
	for (int k = 0; k < A_COUNT; k++) {
		last[k] = UINTPTR_MAX;
		t->lines_read[k] = 0;
		t->lines_total[k] = sim->store.n > 0 ? (int64_t)(line_of(&arrays[k], sim->store.n - 1) - line_of(&arrays[k], 0) + 1) : 0;
	}
	uint16_t today = (uint16_t)sim->day;
	for (int64_t i = 0; i < sim->store.n; i++) {
		bool reads[A_COUNT] = {[A_STATE] = true};
		if (a->state[i] == AGENT_AT_PLACE) {
			reads[A_TIMER] = true;
			if (a->timer[i] == today)
				reads[A_LOC] = reads[A_GOAL] = reads[A_INTENT] = true;
			t->stepped++;
		} else if (a->state[i] == AGENT_ON_LINK) {
			reads[A_LOC] = reads[A_TIMER] = true;
			t->stepped++;
			t->on_link++;
			if (a->timer[i] == today) {
				reads[A_GOAL] = reads[A_INTENT] = reads[A_HOME] = reads[A_FLAGS] = true;
				t->arriving++;
			}
		}
		for (int k = 0; k < A_COUNT; k++) {
			if (!reads[k])
				continue;
			uintptr_t line = line_of(&arrays[k], i);
			if (line != last[k]) {
				t->lines_read[k]++;
				last[k] = line;
			}
		}
	}
}

struct bench_snapshot *bench_traffic_begin(const struct mf_sim *sim, struct bench_traffic *traffic)
{
	const struct mf_agents *a = &sahel_of(sim)->agents;
	struct array_ref arrays[A_COUNT];
	int n_arrays = arrays_of(a, arrays);
	memset(traffic, 0, sizeof(*traffic));
	struct bench_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->n_arrays = n_arrays;
	s->n = sim->store.n;
	for (int k = 0; k < n_arrays; k++) {
		size_t bytes = (size_t)sim->store.n * (size_t)arrays[k].element_bytes;
		s->copy[k] = malloc(bytes ? bytes : 1);
		if (!s->copy[k]) {
			for (int j = 0; j < k; j++)
				free(s->copy[j]);
			free(s);
			return NULL;
		}
		memcpy(s->copy[k], arrays[k].data, bytes);
		snprintf(traffic->name[k], sizeof(traffic->name[k]), "%s", arrays[k].name);
		traffic->element_bytes[k] = arrays[k].element_bytes;
	}
	traffic->n_arrays = n_arrays;
	traffic->slots = sim->store.n;
	count_reads(sim, arrays, traffic);
	return s;
}

void bench_traffic_end(const struct mf_sim *sim, struct bench_snapshot *s,
		       struct bench_traffic *traffic)
{
	const struct mf_agents *a = &sahel_of(sim)->agents;
	struct array_ref arrays[A_COUNT];
	arrays_of(a, arrays);
	/* A store that grew or was compacted cannot be compared slot by slot. */
	traffic->valid = sim->store.n == s->n;
	for (int k = 0; k < s->n_arrays && traffic->valid; k++) {
		const unsigned char *before = s->copy[k];
		const unsigned char *after = arrays[k].data;
		int size = arrays[k].element_bytes;
		uintptr_t last = UINTPTR_MAX;
		int64_t dirty = 0;
		for (int64_t i = 0; i < s->n; i++) {
			uintptr_t line = line_of(&arrays[k], i);
			if (line == last)
				continue;
			if (memcmp(before + i * size, after + i * size, (size_t)size) != 0) {
				dirty++;
				last = line;
			}
		}
		traffic->lines_dirty[k] = dirty;
	}
	for (int k = 0; k < s->n_arrays; k++)
		free(s->copy[k]);
	free(s);
}

double bench_traffic_bytes_per_step(const struct bench_traffic *t)
{
	if (!t->valid || t->stepped == 0)
		return 0;
	int64_t lines = 0;
	for (int k = 0; k < t->n_arrays; k++)
		lines += t->lines_read[k] + t->lines_dirty[k];
	return 64.0 * (double)lines / (double)t->stepped;
}
