/* Phases 3 and 4 of the day: every agent moves (in parallel), then requests
 * for capacity-limited links are accepted with probability
 * capacity / requests, each agent by its own draw.
 *
 * This is the hot path: no allocation, no locks, no I/O. Every draw is a
 * pure function of (key, day, agent slot, draw number), and counters are
 * per-thread integers summed once a day, so results do not depend on the
 * number of threads. */
#include <string.h>
#include <omp.h>

#include "migflow/date.h"
#include "migflow/rng.h"
#include "streams.h"
#include "world.h"

/* What one agent-step reads, copied out of the simulation once a day. */
struct step_ctx {
	struct mf_agents agents;
	const struct link_rt *links;
	const uint32_t *leave, *leave_week, *stay_end, *route_cum, *expel, *expel_retry;
	const uint16_t *expel_to;
	const int16_t *expel_monitor;
	const uint8_t *home_safe, *country, *is_destination, *monitor_country, *monitor_counts;
	const int *out_offset, *out_links;
	int n_places, n_links, destination;
	uint32_t displaced_onward, displaced_leave, retry_interception;
	uint16_t today;
	int weekday;
	uint64_t key;
};

static inline uint64_t draw(const struct step_ctx *ctx, uint32_t stream, int64_t i, uint32_t n)
{
	return mf_rng_bits(ctx->key, mf_rng_counter(ctx->today, stream, (uint64_t)i, n));
}

static inline void set_home_bound(const struct step_ctx *ctx, int64_t i)
{
	ctx->agents.intent[i] = MF_INTENT_RETURN;
	ctx->agents.goal[i] = ctx->agents.home[i];
}

static inline void count_pass(const struct step_ctx *ctx, struct counters *c, int64_t i, int monitor)
{
	const struct mf_agents *a = &ctx->agents;
	int country = ctx->monitor_country[monitor];
	int direction;
	if (ctx->country[a->goal[i]] != country)
		direction = MF_DIR_OUTBOUND;
	else if (ctx->country[a->home[i]] != country || (a->flags[i] & AGENT_ABROAD))
		direction = MF_DIR_INBOUND;
	else
		direction = MF_DIR_INTERNAL;
	int slot = monitor * MF_DIR_COUNT + direction;
	c->monitor[slot] += ctx->monitor_counts[slot];
}

/* The agent steps onto link l today. */
static inline void enter_link(const struct step_ctx *ctx, struct counters *c, int64_t i, int l)
{
	const struct mf_agents *a = &ctx->agents;
	a->state[i] = AGENT_ON_LINK;
	a->loc[i] = (uint16_t)l;
	a->timer[i] = (uint16_t)(ctx->today + ctx->links[l].days);
	c->link_flow[l]++;
	c->in_transit[l]++;
}

/* The agent reaches the end of link l. */
static inline void arrive(const struct step_ctx *ctx, struct counters *c, int64_t i, int l, uint32_t u)
{
	const struct mf_agents *a = &ctx->agents;
	const struct link_rt *link = &ctx->links[l];
	if (link->lost_crossing) { /* a sea crossing ends in death or interception */
		if (u < link->death_crossing) {
			a->state[i] = AGENT_DEAD;
			c->deaths[l]++;
			c->scalars[SC_DEAD]++;
			return;
		}
		if (u < link->lost_crossing) {
			int q = link->intercept_to;
			a->state[i] = AGENT_AT_PLACE;
			a->loc[i] = (uint16_t)q;
			a->timer[i] = ctx->today;
			if (a->attempts[i] < UINT8_MAX)
				a->attempts[i]++;
			c->scalars[SC_INTERCEPTIONS]++;
			c->link_interceptions[l]++;
			/* Retry decision from the upper bits of the same draw's word. */
			uint32_t again = (uint32_t)(draw(ctx, STREAM_MOVE, i, 2) >> 32);
			if (again >= ctx->retry_interception)
				set_home_bound(ctx, i);
			c->occupancy[q * MF_INTENT_COUNT + a->intent[i]]++;
			return;
		}
	}
	int q = link->to;
	a->state[i] = AGENT_AT_PLACE;
	a->loc[i] = (uint16_t)q;
	a->timer[i] = ctx->today;
	c->arrivals[q]++;
	c->link_arrivals[l]++;
	if (ctx->country[q] != ctx->country[a->home[i]])
		a->flags[i] |= AGENT_ABROAD;
	if (link->monitor >= 0)
		count_pass(ctx, c, i, link->monitor);
	if (ctx->is_destination[q]) {
		a->state[i] = AGENT_ARRIVED;
		c->scalars[SC_ARRIVED]++;
		return;
	}
	if (q == a->goal[i] && a->intent[i] == MF_INTENT_RETURN) {
		a->state[i] = AGENT_LEFT;
		c->scalars[SC_RETURNS]++;
		return;
	}
	c->occupancy[q * MF_INTENT_COUNT + a->intent[i]]++;
}

/* An agent at its goal: circular migrants end their stay, displaced people
 * move on or go home. */
static inline void at_goal(const struct step_ctx *ctx, int64_t i, int p, uint32_t u)
{
	const struct mf_agents *a = &ctx->agents;
	switch (a->intent[i]) {
	case MF_INTENT_CIRCULAR:
		if (u < ctx->stay_end[p])
			set_home_bound(ctx, i);
		break;
	case MF_INTENT_DISPLACED:
		if (u < ctx->displaced_onward) {
			a->intent[i] = MF_INTENT_ONWARD;
			a->goal[i] = (uint16_t)ctx->destination;
		} else if (u < ctx->displaced_leave && ctx->home_safe[a->home[i]] && a->home[i] != p) {
			set_home_bound(ctx, i);
		}
		break;
	default:
		break;
	}
}

/* bits = draw(ctx, STREAM_MOVE, i, 0), computed by the caller. */
static void step_at_place(const struct step_ctx *ctx, struct counters *c, int64_t i, uint64_t bits)
{
	const struct mf_agents *a = &ctx->agents;
	int p = a->loc[i];
	uint32_t u = (uint32_t)bits, v = (uint32_t)(bits >> 32);
	if (ctx->expel[p] && u < ctx->expel[p]) {
		int q = ctx->expel_to[p];
		a->loc[i] = (uint16_t)q;
		a->timer[i] = ctx->today;
		c->scalars[SC_EXPULSIONS]++;
		if (v >= ctx->expel_retry[p])
			set_home_bound(ctx, i);
		if (ctx->expel_monitor[p] >= 0)
			count_pass(ctx, c, i, ctx->expel_monitor[p]);
		if (q == a->goal[i] && a->intent[i] == MF_INTENT_RETURN) {
			a->state[i] = AGENT_LEFT;
			c->scalars[SC_RETURNS]++;
			return;
		}
		c->occupancy[q * MF_INTENT_COUNT + a->intent[i]]++;
		return;
	}
	int goal = a->goal[i];
	if (p == goal) {
		at_goal(ctx, i, p, u);
		c->occupancy[p * MF_INTENT_COUNT + a->intent[i]]++;
		return;
	}
	int intent = a->intent[i];
	/* Next link towards the goal, then whether to leave today: on a convoy
	 * link only on its weekday, with the chance of a whole week of waiting. */
	const uint32_t *cum = ctx->route_cum + ((size_t)intent * ctx->n_places + goal) * ctx->n_links;
	int l = -1;
	for (int k = ctx->out_offset[p]; k < ctx->out_offset[p + 1]; k++)
		if (v < cum[k]) {
			l = ctx->out_links[k];
			break;
		}
	if (l >= 0) {
		int slot = intent * ctx->n_places + p;
		int weekday = ctx->links[l].departs_weekday;
		uint32_t leave = weekday < 0 ? ctx->leave[slot]
			       : weekday == ctx->weekday ? ctx->leave_week[slot] : 0;
		if (u < leave) {
			if (ctx->links[l].limited) {
				a->state[i] = AGENT_REQUEST;
				a->loc[i] = (uint16_t)l;
				c->requests[l]++;
				if (c->n_requested < REQUEST_SLOTS)
					c->requested[c->n_requested] = i;
				c->n_requested++;
			} else {
				enter_link(ctx, c, i, l);
			}
			return;
		}
	}
	c->occupancy[p * MF_INTENT_COUNT + intent]++;
}

static inline void step_on_link(const struct step_ctx *ctx, struct counters *c, int64_t i)
{
	const struct mf_agents *a = &ctx->agents;
	int l = a->loc[i];
	const struct link_rt *link = &ctx->links[l];
	uint32_t u = 0, v = 0;
	if (link->death_day || link->lost_crossing) {
		uint64_t bits = draw(ctx, STREAM_MOVE, i, 0);
		u = (uint32_t)bits;
		v = (uint32_t)(bits >> 32);
		if (u < link->death_day) {
			a->state[i] = AGENT_DEAD;
			c->deaths[l]++;
			c->scalars[SC_DEAD]++;
			return;
		}
	}
	if (a->timer[i] != ctx->today) {
		c->in_transit[l]++;
		return;
	}
	arrive(ctx, c, i, l, v);
}

static void fill_ctx(const struct mf_sim *sim, struct step_ctx *ctx)
{
	*ctx = (struct step_ctx){
		.agents = sim->agents,
		.links = sim->links,
		.leave = sim->leave,
		.leave_week = sim->leave_week,
		.stay_end = sim->stay_end,
		.route_cum = sim->route_cum,
		.expel = sim->expel,
		.expel_retry = sim->expel_retry,
		.expel_to = sim->expel_to,
		.expel_monitor = sim->expel_monitor,
		.home_safe = sim->home_safe,
		.country = sim->country,
		.is_destination = sim->is_destination,
		.monitor_country = sim->monitor_country,
		.monitor_counts = sim->monitor_counts,
		.out_offset = sim->graph->out_offset,
		.out_links = sim->graph->out_links,
		.n_places = sim->n_places,
		.n_links = sim->n_links,
		.destination = sim->scenario->destination,
		.displaced_onward = sim->displaced_onward,
		.displaced_leave = sim->displaced_return,
		.retry_interception = sim->retry_interception,
		.today = (uint16_t)sim->day,
		.weekday = mf_date_weekday(sim->scenario->start + sim->day),
		.key = sim->key,
	};
}

void mf_phase_move(struct mf_sim *sim)
{
	struct step_ctx ctx;
	fill_ctx(sim, &ctx);
	for (int t = 0; t < sim->threads; t++) {
		memset(sim->thread_counts[t].base, 0, sim->thread_counts[t].n_values * sizeof(int64_t));
		sim->thread_counts[t].n_requested = 0;
	}
	const int64_t n = sim->agents.n;
	const uint8_t *state = sim->agents.state;
	/* draw(ctx, STREAM_MOVE, i, 0) = mix(key + (i | day, stream bits) * gamma)
	 * = mix(base + i * gamma): the same bits with the day's part hoisted. */
	const uint64_t gamma = UINT64_C(0x9e3779b97f4a7c15);
	const uint64_t base = ctx.key + mf_rng_counter(ctx.today, STREAM_MOVE, 0, 0) * gamma;
	const uint32_t *goal_stay = sim->goal_stay;
#pragma omp parallel num_threads(sim->threads)
	{
		struct counters *c = &sim->thread_counts[omp_get_thread_num()];
		/* Locals, not ctx fields: stores through the uint8_t agent arrays
		 * may alias anything, so fields read through &ctx are reloaded. */
		int64_t *occupancy = c->occupancy;
		const uint16_t *loc = ctx.agents.loc, *goal = ctx.agents.goal;
		const uint8_t *intents = ctx.agents.intent;
		int64_t stepped = 0;
#pragma omp for schedule(static, 16384) nowait
		for (int64_t i = 0; i < n; i++) {
			switch (state[i]) {
			case AGENT_AT_PLACE: {
				int p = loc[i], intent = intents[i];
				uint64_t bits = mf_rng_mix(base + (uint64_t)i * gamma);
				int slot = p * MF_INTENT_COUNT + intent;
				if (p == goal[i] && (uint32_t)bits >= goal_stay[slot])
					occupancy[slot]++;
				else
					step_at_place(&ctx, c, i, bits);
				stepped++;
				break;
			}
			case AGENT_ON_LINK:
				step_on_link(&ctx, c, i);
				stepped++;
				break;
			default:
				break;
			}
		}
		c->scalars[SC_STEPPED] += stepped;
	}
}

/* Up to this many requests the capacity phase runs on the calling thread. */
#define SERIAL_REQUESTS 8192

static void decide_request(const struct mf_sim *sim, const struct step_ctx *ctx, struct counters *c,
			   int64_t i)
{
	int l = ctx->agents.loc[i];
	uint32_t u = (uint32_t)draw(ctx, STREAM_CAPACITY, i, 0);
	if (sim->accept[l] == UINT32_MAX || u < sim->accept[l]) {
		enter_link(ctx, c, i, l);
	} else {
		int p = sim->graph->links[l].from;
		ctx->agents.state[i] = AGENT_AT_PLACE;
		ctx->agents.loc[i] = (uint16_t)p;
		c->occupancy[p * MF_INTENT_COUNT + ctx->agents.intent[i]]++;
	}
}

void mf_phase_capacity(struct mf_sim *sim)
{
	bool any = false;
	for (int l = 0; l < sim->n_links; l++) {
		int64_t requests = 0;
		for (int t = 0; t < sim->threads; t++)
			requests += sim->thread_counts[t].requests[l];
		if (requests == 0)
			continue;
		any = true;
		double capacity = sim->world.link_capacity[l] / sim->scenario->agent_scale;
		double p = capacity / (double)requests;
		sim->accept[l] = p >= 1 ? UINT32_MAX : mf_rng_threshold(p);
	}
	if (!any)
		return;
	struct step_ctx ctx;
	fill_ctx(sim, &ctx);
	bool listed = true;
	int64_t total = 0;
	for (int t = 0; t < sim->threads; t++) {
		listed = listed && sim->thread_counts[t].n_requested <= REQUEST_SLOTS;
		total += sim->thread_counts[t].n_requested;
	}
	if (listed && total <= SERIAL_REQUESTS) {
		/* A few hundred requests a day (the baseline): cheaper than waking
		 * the other threads, which on a shared machine may take a time slice. */
		for (int t = 0; t < sim->threads; t++)
			for (int64_t k = 0; k < sim->thread_counts[t].n_requested; k++)
				decide_request(sim, &ctx, &sim->thread_counts[0], sim->thread_counts[t].requested[k]);
		return;
	}
	if (listed) {
		/* Each thread decides the requests it listed: every decision is the
		 * agent's own draw against the link's threshold, so the order and the
		 * thread do not matter. */
#pragma omp parallel num_threads(sim->threads)
		{
			struct counters *c = &sim->thread_counts[omp_get_thread_num()];
#pragma omp for schedule(static)
			for (int t = 0; t < sim->threads; t++) {
				const struct counters *list = &sim->thread_counts[t];
				for (int64_t k = 0; k < list->n_requested; k++)
					decide_request(sim, &ctx, c, list->requested[k]);
			}
		}
		return;
	}
	const int64_t n = sim->agents.n;
#pragma omp parallel num_threads(sim->threads)
	{
		struct counters *c = &sim->thread_counts[omp_get_thread_num()];
#pragma omp for schedule(static)
		for (int64_t i = 0; i < n; i++)
			if (ctx.agents.state[i] == AGENT_REQUEST)
				decide_request(sim, &ctx, c, i);
	}
}
