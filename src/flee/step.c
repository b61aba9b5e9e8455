/* Phase 3 of a FLEE day: every agent moves (FLEE's evolve), a block at a
 * time. The per-agent loop allocates nothing, takes no lock and does no
 * I/O; counts are per-thread changes summed by the engine. */
#include <string.h>

#include "migflow/rng.h"
#include "../streams.h"
#include "flee.h"


enum walker_state { AT_LOCATION, ON_LINK, GONE };

/* Counts a change of the agents with this code: at a location (with or
 * without a route) or on a link; removed agents are counted by the engine
 * as having left. */
static inline void count_code(struct counters *c, int P, int L, int code, int change)
{
	if (code < P)
		c->occupancy[(size_t)code * MF_INTENT_COUNT + MF_INTENT_DISPLACED] += change;
	else if (code > P && code < P + 1 + L)
		c->in_transit[code - P - 1] += change;
	else if (code > P)
		c->occupancy[(size_t)(code - P - 1 - L) * MF_INTENT_COUNT + MF_INTENT_DISPLACED] += change;
}

/* An agent's state while it is stepped, decoded from and encoded back into
 * its code and arrays once. */
struct walker {
	enum walker_state state;
	int where;            /* location or link */
	int route, hop;
	float progress;
	uint8_t flags;
};

static inline uint64_t draw(const struct step_ctx_flee *x, int64_t i, int n)
{
	return mf_rng_bits(x->key, mf_rng_counter(x->day, STREAM_MOVE, (uint64_t)i, (uint32_t)n));
}

/* FLEE's evolve at location p: true when the agent stepped onto a link. */
static inline bool evolve(const struct step_ctx_flee *x, struct counters *c, struct walker *w, int p,
			  bool force, uint64_t bits)
{
	const struct loc_rt *loc = &x->loc[p];
	int k = w->route, l;
	uint64_t chance = k >= 0 || (force && loc->force_ok) ? CERTAIN : loc->move;
	if ((uint32_t)bits >= chance)
		return false;
	if (k < 0) {
		/* A new route: path k is taken when pick[k-1] <= u < pick[k]. */
		if (!loc->can_leave)
			return false;
		uint32_t u = (uint32_t)(bits >> 32);
		k = loc->first_path;
		if (loc->narrow) {
			const uint64_t *row = x->pick_row + (size_t)p * PICK_STRIDE;
			for (int j = 0; j < PICK_STRIDE - 1; j++)
				k += row[j] <= u;
		} else {
			for (int j = loc->first_path; j < loc->first_path + loc->n_paths - 1; j++)
				k += x->path_pick[j] <= u;
		}
		const struct path_rt *path = &x->path[k];
		/* Heading for a nearly full camp: FLEE drops the route and the
		 * agent stays today. */
		if (path->blocked)
			return false;
		l = path->first_link;
		w->hop = 1;
		w->route = path->n_links > 1 ? k : -1;
	} else {
		/* The rest of a route: dropped if the next link vanished
		 * (closed) or the destination camp is nearly full. */
		const struct path_rt *path = &x->path[k];
		l = x->path_links[path->offset + w->hop];
		if (!x->link[l].open || x->link[l].from != p || path->blocked) {
			w->route = -1;
			return false;
		}
		w->hop++;
		if (w->hop >= path->n_links)
			w->route = -1;
	}
	w->state = ON_LINK;
	w->where = l;
	w->progress = 0;
	c->link_flow[l]++;
	return true;
}

/* The agent ends its day at location p (camps may deactivate it). */
static inline void stay(const struct step_ctx_flee *x, struct counters *c, struct walker *w, int64_t i,
			int p, int n)
{
	uint64_t sink = x->loc[p].sink;
	if (x->sinks && sink && (uint32_t)draw(x, i, n) < sink) {
		w->state = GONE;
		c->scalars[SC_RETURNS]++;
	}
}

/* One agent's day; the low 32 bits of `bits` decide whether it leaves its
 * location, the high ones which route it takes. Its further draws are
 * numbered from 1. */
static inline void step_agent(const struct step_ctx_flee *x, struct counters *c, int64_t i,
			      uint64_t bits)
{
	const struct flee_agents *a = &x->a;
	struct agent_rest *rest = &a->rest[i];
	const int P = x->P, L = x->L;
	int code = a->where[i];
	struct walker w = {
		.state = code < P ? AT_LOCATION : code < P + 1 + L ? ON_LINK : AT_LOCATION,
		.where = code < P ? code : code < P + 1 + L ? code - P - 1 : code - P - 1 - L,
		.route = rest->route,
		.hop = rest->hop,
		.progress = rest->progress,
		.flags = rest->flags,
	};
	count_code(c, P, L, code, -1);
	int n = 1;
	float moved = 0;
	if (w.state == AT_LOCATION && !evolve(x, c, &w, w.where, false, bits)) {
		stay(x, c, &w, i, w.where, n);
		goto done;
	}
	for (int hops = 0;; hops++) {
		const struct link_rt *link = &x->link[w.where];
		float speed = link->speed;
		if (x->start_on_foot && !(w.flags & FLAG_TRAVELLED))
			speed = x->walk_speed;
		if (link->walk && (uint32_t)draw(x, i, n++) < link->walk)
			speed = x->walk_speed;
		float progress = w.progress + speed;
		moved += speed;
		if (!(progress > link->km)) {
			w.progress = progress;
			break;
		}
		w.flags |= FLAG_TRAVELLED;
		moved += link->km - progress;
		w.state = AT_LOCATION;
		w.progress = 0;
		if (!link->open) {
			/* Closed while on it: back to where the link starts. */
			w.where = link->from;
			w.route = -1;
			stay(x, c, &w, i, w.where, n);
			break;
		}
		int q = link->to;
		w.where = q;
		c->arrivals[q]++;
		if (moved < speed && hops < HOPS_MAX) {
			bool force = x->avoid_short_stints &&
				     (rest->recent + moved / x->max_speed) / 2 < 0.5f;
			if (evolve(x, c, &w, q, force, draw(x, i, n++)))
				continue;
		}
		stay(x, c, &w, i, q, n);
		break;
	}
done:
	switch (w.state) {
	case AT_LOCATION: a->where[i] = w.route >= 0 ? P + 1 + L + w.where : w.where; break;
	case ON_LINK: a->where[i] = P + 1 + w.where; break;
	case GONE:
		a->where[i] = P;
		a->state[i] = AGENT_LEFT;
		break;
	}
	count_code(c, P, L, a->where[i], +1);
	rest->route = w.route;
	rest->hop = (uint8_t)w.hop;
	rest->progress = w.progress;
	rest->flags = w.flags;
	if (x->avoid_short_stints)
		rest->recent = (rest->recent + moved / x->max_speed) / 2;
}

/* Agent i's 32 random bits deciding whether it leaves today: half of the
 * draw mf_rng_bits(key, mf_rng_counter(day, STREAM_STAY, i / 2, 0)), which
 * is mix(stay_base + (i / 2) * GAMMA) with stay_base = key +
 * mf_rng_counter(day, STREAM_STAY, 0, 0) * GAMMA. */
static inline uint32_t stay_bits(uint64_t stay_base, int64_t i)
{
	return (uint32_t)(mf_rng_mix(stay_base + (uint64_t)(i >> 1) * GAMMA) >> (32 * (i & 1)));
}

/* The pair draws of agents 2 first .. 2 (first + n) - 1:
 * out[j] = mix(stay_base + (first + j) * GAMMA). */

static void pair_draws(uint64_t stay_base, int64_t first, int n, uint64_t *out)
{
	uint64_t z = stay_base + (uint64_t)first * GAMMA;
	for (int j = 0; j < n; j++, z += GAMMA)
		out[j] = mf_rng_mix(z);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
/* The same, vectorised where the processor multiplies 64-bit lanes
 * (AVX-512DQ): the multiplications are most of the first pass. The
 * arithmetic is the same, so are the results. */
__attribute__((target("avx512f,avx512dq"))) static void pair_draws_avx512(uint64_t stay_base,
									  int64_t first, int n,
									  uint64_t *out)
{
	for (int j = 0; j < n; j++)
		out[j] = mf_rng_mix(stay_base + (uint64_t)(first + j) * GAMMA);
}

pair_draws_fn *mf_flee_best_pair_draws(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512dq") ? pair_draws_avx512 : pair_draws;
}
#else
pair_draws_fn *mf_flee_best_pair_draws(void)
{
	return pair_draws;
}
#endif

/* The first pass over agents begin .. end (begin even, at most CHUNK):
 * an agent whose leaving draw keeps it where it is does nothing (counts are
 * changes); every other is appended to slow[]. Returns their number.
 * Branch-free. */
static int settle(pair_draws_fn *draws, const int32_t *restrict where,
		  const uint64_t *restrict stay_code, int32_t *restrict slow, uint64_t stay_base,
		  int64_t begin, int64_t end)
{
	uint64_t pairs[CHUNK / 2];
	draws(stay_base, begin >> 1, (int)((end - begin + 1) >> 1), pairs);
	int count = 0;
	for (int64_t i = begin; i < end; i++) {
		uint32_t u = (uint32_t)(pairs[(i - begin) >> 1] >> (32 * (i & 1)));
		slow[count] = (int32_t)i;
		count += u < stay_code[where[i]];
	}
	return count;
}

void mf_flee_begin_move(struct mf_sim *sim)
{
	struct flee *f = flee_of(sim);
	const struct mf_flee_settings *s = f->s;
	f->ctx = (struct step_ctx_flee){
		.a = f->a,
		.loc = f->loc_rt,
		.link = f->link_rt,
		.path = f->path_rt,
		.path_pick = f->path_pick,
		.pick_row = f->pick_row,
		.stay = f->stay,
		.path_links = f->paths.links,
		.P = f->P,
		.L = f->L,
		.codes = f->codes,
		.max_speed = (float)s->max_move_speed,
		.walk_speed = (float)s->max_walk_speed,
		.start_on_foot = s->start_on_foot,
		.avoid_short_stints = s->avoid_short_stints,
		.sinks = s->camps_are_sinks,
		.day = (uint32_t)f->day,
		.key = f->key,
		.stay_base = f->key + mf_rng_counter((uint32_t)f->day, STREAM_FLEE_STAY, 0, 0) * GAMMA,
		.pair_draws = f->pair_draws,
	};
}

/* Two passes over a block of at most CHUNK agents. The first, without
 * branches, settles the common case (an agent at a location that stays
 * there) and lists the others; the second steps those. */
void mf_flee_move_block(const struct mf_sim *sim, struct counters *c, int64_t begin, int64_t end)
{
	const struct step_ctx_flee *x = &flee_of(sim)->ctx;
	const int32_t *where = x->a.where;
	struct agent_rest *rest = x->a.rest;
	const int first_link = x->P + 1, end_link = x->P + 1 + x->L;
	int32_t slow[CHUNK];
	int count = settle(x->pair_draws, where, x->stay, slow, x->stay_base, begin, end);
	for (int j = 0; j < count; j++) {
		int64_t i = slow[j];
		int code = where[i];
		if (code >= first_link && code < end_link) {
			/* Travelling on, not arriving today. */
			const struct link_rt *link = &x->link[code - first_link];
			float next = rest[i].progress + link->plain;
			if (link->plain > 0 && !(next > link->km)) {
				rest[i].progress = next;
				continue;
			}
		}
		/* Its first word: the leaving bits of the first pass, and 32 bits
		 * of its own first draw for the choice of route. */
		uint64_t first = (draw(x, i, 0) & ~(uint64_t)UINT32_MAX) | stay_bits(x->stay_base, i);
		step_agent(x, c, i, first);
	}
}
