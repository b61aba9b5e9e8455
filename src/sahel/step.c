/* Phases 3 and 4 of the day: every agent moves (in parallel), then requests
 * for capacity-limited links are accepted with probability
 * capacity / requests, each agent by its own draw.
 *
 * An agent at a place acts only on its decision day (drawn when it got
 * there, see world.h); on the other days it costs a look at two bytes.
 * Agents on links die with the link's daily hazard and arrive on their day.
 *
 * This is the hot path: no allocation, no locks, no I/O. Every draw is a
 * pure function of (key, day, agent slot, draw number), and counters are
 * per-thread integers summed once a day, so results do not depend on the
 * number of threads. */
#include <math.h>
#include <string.h>
#include <omp.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "migflow/date.h"
#include "migflow/rng.h"
#include "../streams.h"
#include "sahel.h"

static inline uint64_t draw(const struct step_ctx *ctx, uint32_t stream, int64_t i, uint32_t n)
{
	return mf_rng_bits(ctx->key, mf_rng_counter(ctx->today, stream, (uint64_t)i, n));
}

/* Next decision day of agent i, at a place since `from` (world.h). */
static inline uint16_t next_decision(const struct mf_agents *a, const uint32_t *hazard_goal,
				     const uint32_t *hazard_away, const double *gap_goal,
				     const double *gap_away, uint64_t bits, int64_t i, int from)
{
	int slot = a->loc[i] * MF_INTENT_COUNT + a->intent[i];
	bool at_goal = a->loc[i] == a->goal[i];
	return mf_decision_day(bits, at_goal ? hazard_goal[slot] : hazard_away[slot],
			       at_goal ? gap_goal[slot] : gap_away[slot], from);
}

static inline void schedule(const struct step_ctx *ctx, int64_t i, int from, uint32_t why)
{
	ctx->agents.timer[i] = next_decision(&ctx->agents, ctx->hazard_goal, ctx->hazard_away,
					     ctx->gap_goal, ctx->gap_away,
					     draw(ctx, STREAM_SCHEDULE, i, why), i, from);
}

void mf_schedule_agent(struct mf_sim *sim, int64_t i, int from, uint32_t why)
{
	struct sahel *r = sahel_of(sim);
	uint64_t bits = mf_rng_bits(sim->key, mf_rng_counter((uint32_t)sim->day, STREAM_SCHEDULE,
							      (uint64_t)i, why));
	r->agents.timer[i] = next_decision(&r->agents, r->hazard_goal, r->hazard_away, r->gap_goal,
					   r->gap_away, bits, i, from);
}

/* Agent i is at a place at the end of its step today: counted there, and
 * its next decision scheduled. */
static inline void settle(const struct step_ctx *ctx, struct counters *c, int64_t i, uint32_t why)
{
	const struct mf_agents *a = &ctx->agents;
	c->occupancy[a->loc[i] * MF_INTENT_COUNT + a->intent[i]]++;
	schedule(ctx, i, ctx->today, why);
}

static inline void set_home_bound(const struct step_ctx *ctx, int64_t i)
{
	ctx->agents.intent[i] = MF_INTENT_RETURN;
	ctx->agents.goal[i] = ctx->agents.home[i];
}

static inline void count_pass(const struct step_ctx *ctx, struct counters *c, int64_t i, int monitor)
{
	const struct mf_agents *a = &ctx->agents;
	/* Outbound if heading out of the country; else inbound if from outside
	 * it or coming back to it; else internal. Looked up, not branched on. */
	static const uint8_t direction[2][2] = {
		{MF_DIR_INTERNAL, MF_DIR_INBOUND}, {MF_DIR_OUTBOUND, MF_DIR_OUTBOUND}};
	int country = ctx->monitor_country[monitor];
	int outbound = ctx->country[a->goal[i]] != country;
	int inbound = (ctx->country[a->home[i]] != country) | ((a->flags[i] & AGENT_ABROAD) != 0);
	int slot = monitor * MF_DIR_COUNT + direction[outbound][inbound];
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
	c->in_transit[l]--;
	if (link->lost_crossing) { /* a sea crossing ends in death or interception */
		if (u < link->death_crossing) {
			a->state[i] = AGENT_DEAD;
			c->deaths[l]++;
			c->scalars[SC_DEAD]++;
			return;
		}
		if (u < link->intercepted_crossing) {
			a->state[i] = AGENT_AT_PLACE;
			a->loc[i] = link->intercept_to;
			if (a->attempts[i] < UINT8_MAX)
				a->attempts[i]++;
			c->scalars[SC_INTERCEPTIONS]++;
			c->link_interceptions[l]++;
			/* Retry decision from the upper bits of the same draw's word. */
			uint32_t again = (uint32_t)(draw(ctx, STREAM_MOVE, i, 2) >> 32);
			if (again >= ctx->retry_interception)
				set_home_bound(ctx, i);
			settle(ctx, c, i, SCHEDULE_AFTER_STEP);
			return;
		}
		if (u < link->lost_crossing) { /* kidnapped: held, released where the leg began */
			a->state[i] = AGENT_AT_PLACE;
			a->loc[i] = link->from;
			settle(ctx, c, i, SCHEDULE_AFTER_STEP);
			return;
		}
	}
	int q = link->to;
	a->state[i] = AGENT_AT_PLACE;
	a->loc[i] = (uint16_t)q;
	c->arrivals[q]++;
	c->link_arrivals[l]++;
	/* Without a branch: whether a move crosses a border is hard to predict. */
	a->flags[i] |= (uint8_t)((ctx->country[q] != ctx->country[a->home[i]]) * AGENT_ABROAD);
	if (link->monitor >= 0)
		count_pass(ctx, c, i, link->monitor);
	/* Out of the model at the destination, or home for good: one branch,
	 * rarely taken. */
	bool arrived = ctx->is_destination[q];
	bool home = (q == a->goal[i]) & (a->intent[i] == MF_INTENT_RETURN);
	if (arrived | home) {
		a->state[i] = arrived ? AGENT_ARRIVED : AGENT_LEFT;
		c->scalars[arrived ? SC_ARRIVED : SC_RETURNS]++;
		return;
	}
	settle(ctx, c, i, SCHEDULE_AFTER_STEP);
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
	case MF_INTENT_DISPLACED: {
		uint32_t onward = ctx->onward[p], leave = ctx->onward_leave[p];
		if (!ctx->onward_uniform) { /* by days in the model and group (onward_*) */
			double age = (double)(ctx->today - a->born[i]);
			double extra = ctx->onward_extra[p] + ctx->distress_rate * fmin(1, age / ctx->distress_days);
			double chance = ctx->onward_base + ctx->onward_factor[ctx->country[a->home[i]]] * extra;
			onward = mf_rng_threshold(chance);
			leave = mf_rng_threshold(chance + ctx->return_prob);
		}
		if (u < onward) {
			a->intent[i] = MF_INTENT_ONWARD;
			a->goal[i] = (uint16_t)ctx->destination;
		} else if (u < leave && ctx->home_safe[a->home[i]] && a->home[i] != p) {
			set_home_bound(ctx, i);
		}
		break;
	}
	default:
		break;
	}
}

/* Someone living at p flees its insecurity: a circular migrant goes home if
 * home is safe, anyone else heads for a refuge of p as displaced (the
 * nearest, or by draw v among p's refuges at refuge_temperature > 0). */
static inline void flee(const struct step_ctx *ctx, int64_t i, int p, uint32_t v)
{
	const struct mf_agents *a = &ctx->agents;
	if (a->intent[i] == MF_INTENT_CIRCULAR && ctx->home_safe[a->home[i]]) {
		set_home_bound(ctx, i);
	} else {
		a->intent[i] = MF_INTENT_DISPLACED;
		a->goal[i] = (uint16_t)mf_refuge_pick(ctx->refuge, ctx->refuge_n, ctx->refuge_place,
						      ctx->refuge_cum, ctx->n_places, p, v);
	}
}

/* The bounds H of the scheduled decisions (sahel.h) at place p for intent
 * k: the largest threshold decide_at_place below tests u against, at the
 * goal and on the way. Kept next to it: a new outcome there is a new term
 * here. At its goal an agent does something only if expelled (u < expel),
 * flees (u < flee, circular and displaced), a circular migrant's stay ends
 * (u < stay_end) or a displaced person moves on or home (u < onward_leave,
 * at most onward_bound). On the way it is expelled or
 * leaves (u < leave, or leave_week on a convoy's weekday). */
void mf_sahel_decision_bounds(const struct sahel *r, int n_places, int p, int k, bool convoy,
			      uint32_t *at_goal, uint32_t *away)
{
	uint32_t displaced_any = r->onward_bound[p];
	uint32_t goal = r->expel[p], way = r->expel[p];
	if (k == MF_INTENT_CIRCULAR && r->stay_end[p] > goal)
		goal = r->stay_end[p];
	if (k == MF_INTENT_DISPLACED && displaced_any > goal)
		goal = displaced_any;
	if ((k == MF_INTENT_CIRCULAR || k == MF_INTENT_DISPLACED) && r->flee[p] > goal)
		goal = r->flee[p];
	uint32_t leave = r->leave[k * n_places + p];
	if (convoy && r->leave_week[k * n_places + p] > leave)
		leave = r->leave_week[k * n_places + p];
	if (leave > way)
		way = leave;
	*at_goal = goal;
	*away = way;
}

/* Agent i at a place on its decision day; bits = draw(ctx, STREAM_MOVE, i, 0).
 * The day was drawn with the bound H of its place (world.h), so u is drawn
 * uniformly below H: the tests below then happen with their daily
 * probabilities over the days. */
static void decide_at_place(const struct step_ctx *ctx, struct counters *c, int64_t i, uint64_t bits)
{
	const struct mf_agents *a = &ctx->agents;
	int p = a->loc[i], goal = a->goal[i], intent = a->intent[i];
	int slot = p * MF_INTENT_COUNT + intent;
	uint32_t bound = p == goal ? ctx->hazard_goal[slot] : ctx->hazard_away[slot];
	uint32_t u = (uint32_t)(((bits & UINT32_MAX) * bound) >> 32), v = (uint32_t)(bits >> 32);
	c->occupancy[slot]--;
	if (ctx->expel[p] && u < ctx->expel[p]) {
		int q = ctx->expel_to[p];
		a->loc[i] = (uint16_t)q;
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
		settle(ctx, c, i, SCHEDULE_AFTER_STEP);
		return;
	}
	if (p == goal) {
		if (u < ctx->flee[p] && (intent == MF_INTENT_CIRCULAR || intent == MF_INTENT_DISPLACED))
			flee(ctx, i, p, v);
		else
			at_goal(ctx, i, p, u);
		settle(ctx, c, i, SCHEDULE_AFTER_STEP);
		return;
	}
	/* Next link towards the goal, then whether to leave today: on a convoy
	 * link only on its weekday, with the chance of a whole week of waiting. */
	const uint32_t *cum = ctx->route_cum + ((size_t)intent * ctx->n_places + goal) * ctx->n_links;
	/* The first of p's out-links whose cumulative threshold is above v. */
	int first = ctx->out_offset[p], degree = ctx->out_offset[p + 1] - first;
	int rank = mf_route_rank(cum + first, degree, v);
	int l = rank < degree ? ctx->out_links[first + rank] : -1;
	if (l >= 0) {
		/* The daily chance, or on a convoy link the week's on its weekday
		 * and none on the others; selected by masks, since the links the
		 * agents take change from one to the next. */
		int weekday = ctx->links[l].departs_weekday;
		int at = intent * ctx->n_places + p;
		uint32_t convoy = -(uint32_t)(weekday >= 0), convoy_today = -(uint32_t)(weekday == ctx->weekday);
		uint32_t leave = (ctx->leave[at] & ~convoy) | (ctx->leave_week[at] & convoy_today);
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
	settle(ctx, c, i, SCHEDULE_AFTER_STEP);
}

/* An agent on link l: the link's daily death hazard, then arrival on its day. */
static inline void step_on_link(const struct step_ctx *ctx, struct counters *c, int64_t i)
{
	const struct mf_agents *a = &ctx->agents;
	int l = a->loc[i];
	const struct link_rt *link = &ctx->links[l];
	uint64_t bits = 0;
	if (link->death_day) {
		bits = draw(ctx, STREAM_MOVE, i, 0);
		if ((uint32_t)bits < link->death_day) {
			a->state[i] = AGENT_DEAD;
			c->in_transit[l]--;
			c->deaths[l]++;
			c->scalars[SC_DEAD]++;
			return;
		}
	}
	if (a->timer[i] != ctx->today)
		return;
	if (link->lost_crossing && !link->death_day)
		bits = draw(ctx, STREAM_MOVE, i, 0);
	arrive(ctx, c, i, l, (uint32_t)(bits >> 32));
}

static void fill_ctx(const struct mf_sim *sim, struct step_ctx *ctx)
{
	struct sahel *r = sahel_of(sim);
	*ctx = (struct step_ctx){
		.agents = r->agents,
		.links = r->links,
		.leave = r->leave,
		.leave_week = r->leave_week,
		.stay_end = r->stay_end,
		.route_cum = r->route_cum,
		.expel = r->expel,
		.expel_retry = r->expel_retry,
		.flee = r->flee,
		.refuge = r->refuge,
		.refuge_n = r->refuge_n,
		.refuge_place = r->refuge_place,
		.refuge_cum = r->refuge_cum,
		.onward = r->onward,
		.onward_leave = r->onward_leave,
		.onward_extra = r->onward_extra,
		.onward_factor = r->onward_factor,
		.onward_uniform = r->onward_uniform,
		.onward_base = sim->params.displaced_onward_per_day,
		.distress_rate = sim->params.onward_distress_rate,
		.distress_days = sim->params.onward_distress_days,
		.return_prob = sim->params.displaced_return_per_day,
		.hazard_goal = r->hazard_goal,
		.hazard_away = r->hazard_away,
		.gap_goal = r->gap_goal,
		.gap_away = r->gap_away,
		.expel_to = r->expel_to,
		.expel_monitor = r->expel_monitor,
		.home_safe = r->home_safe,
		.country = r->country,
		.is_destination = r->is_destination,
		.monitor_country = r->monitor_country,
		.monitor_counts = r->monitor_counts,
		.out_offset = sim->graph->out_offset,
		.out_links = sim->graph->out_links,
		.n_places = sim->n_places,
		.n_links = sim->n_links,
		.destination = sim->scenario->destination,
		.retry_interception = r->retry_interception,
		.today = (uint16_t)sim->day,
		.weekday = mf_date_weekday(sim->scenario->start + sim->day),
		.key = sim->key,
	};
}

#define BLOCK 64
#define GAMMA UINT64_C(0x9e3779b97f4a7c15) /* mf_rng_bits' counter multiplier */

/* The agents of a block that act today, as two masks (bit k for slot
 * first + k): at a place on their decision day, and on a link. */
struct acting {
	uint64_t at_place, on_link;
};

static struct acting acting_scalar(const uint8_t *state, const uint16_t *timer, uint16_t today,
				   int width)
{
	struct acting m = { 0, 0 };
	for (int k = 0; k < width; k++) {
		m.at_place |= (uint64_t)((state[k] == AGENT_AT_PLACE) & (timer[k] == today)) << k;
		m.on_link |= (uint64_t)(state[k] == AGENT_ON_LINK) << k;
	}
	return m;
}

#ifdef __SSE2__
/* The same masks of a whole block, 16 slots at a time. */
static struct acting acting_block(const uint8_t *state, const uint16_t *timer, uint16_t today)
{
	const __m128i place = _mm_set1_epi8(AGENT_AT_PLACE), link = _mm_set1_epi8(AGENT_ON_LINK);
	const __m128i day = _mm_set1_epi16((short)today);
	struct acting m = { 0, 0 };
	for (int k = 0; k < BLOCK; k += 16) {
		__m128i s = mf_load16(state + k);
		__m128i t0 = _mm_cmpeq_epi16(mf_load16(timer + k), day);
		__m128i t1 = _mm_cmpeq_epi16(mf_load16(timer + k + 8), day);
		__m128i due = _mm_packs_epi16(t0, t1); /* 0 or -1 per slot */
		__m128i acts = _mm_and_si128(_mm_cmpeq_epi8(s, place), due);
		m.at_place |= (uint64_t)(uint16_t)_mm_movemask_epi8(acts) << k;
		m.on_link |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(s, link)) << k;
	}
	return m;
}
#else
static struct acting acting_block(const uint8_t *state, const uint16_t *timer, uint16_t today)
{
	return acting_scalar(state, timer, today, BLOCK);
}
#endif

void mf_sahel_begin_move(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	fill_ctx(sim, &r->ctx);
	/* Slots whose bound changed today: their agents are rescheduled (exact,
	 * the daily chances being memoryless); NULL on most days. */
	r->ctx.changed = r->any_reschedule ? r->reschedule : NULL;
	/* draw(ctx, STREAM_MOVE, i, 0) = mix(key + (i | day, stream bits) * gamma)
	 * = mix(base + i * gamma): the same bits with the day's part hoisted. */
	r->ctx.move_base = r->ctx.key + mf_rng_counter(r->ctx.today, STREAM_MOVE, 0, 0) * GAMMA;
}

/* Most agents wait for a later decision day: they read two arrays and
 * write nothing. A block of 64 slots is first reduced to the masks of those
 * that act today, then only those are stepped: the ones at a place, then
 * the ones on a link (each agent's step is its own, so the order within a
 * block does not matter). */
void mf_sahel_move_block(const struct mf_sim *sim, struct counters *c, int64_t begin, int64_t end)
{
	const struct step_ctx *ctx = &sahel_of(sim)->ctx;
	const uint8_t *state = ctx->agents.state;
	const uint16_t *timer = ctx->agents.timer;
	const uint16_t today = ctx->today;
	const uint8_t *changed = ctx->changed;
	const uint64_t base = ctx->move_base;
	for (int64_t first = begin; first < end; first += BLOCK) {
		int width = end - first < BLOCK ? (int)(end - first) : BLOCK;
		if (changed)
			for (int k = 0; k < width; k++) {
				int64_t i = first + k;
				if (state[i] == AGENT_AT_PLACE &&
				    changed[ctx->agents.loc[i] * MF_INTENT_COUNT + ctx->agents.intent[i]])
					schedule(ctx, i, today - 1, SCHEDULE_CHANGED);
			}
		struct acting m = width == BLOCK ? acting_block(state + first, timer + first, today)
						 : acting_scalar(state + first, timer + first, today, width);
		while (m.at_place) {
			int64_t i = first + __builtin_ctzll(m.at_place);
			m.at_place &= m.at_place - 1;
			decide_at_place(ctx, c, i, mf_rng_mix(base + (uint64_t)i * GAMMA));
		}
		while (m.on_link) {
			int64_t i = first + __builtin_ctzll(m.on_link);
			m.on_link &= m.on_link - 1;
			step_on_link(ctx, c, i);
		}
	}
}

void mf_sahel_end_move(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	if (r->any_reschedule) {
		memset(r->reschedule, 0, (size_t)sim->n_places * MF_INTENT_COUNT);
		r->any_reschedule = false;
	}
}

/* Up to this many requests the capacity phase runs on the calling thread. */
#define SERIAL_REQUESTS 8192

static void decide_request(const struct mf_sim *sim, const struct step_ctx *ctx, struct counters *c,
			   int64_t i)
{
	struct sahel *r = sahel_of(sim);
	int l = ctx->agents.loc[i];
	uint32_t u = (uint32_t)draw(ctx, STREAM_CAPACITY, i, 0);
	if (r->accept[l] == UINT32_MAX || u < r->accept[l]) {
		enter_link(ctx, c, i, l);
	} else {
		ctx->agents.state[i] = AGENT_AT_PLACE;
		ctx->agents.loc[i] = (uint16_t)sim->graph->links[l].from;
		settle(ctx, c, i, SCHEDULE_REFUSED);
	}
}

void mf_phase_capacity(struct mf_sim *sim)
{
	struct sahel *r = sahel_of(sim);
	bool any = false;
	bool queue = sim->params.queue_cost > 0;
	double smoothing = sim->params.queue_smoothing;
	for (int l = 0; l < sim->n_links; l++) {
		int64_t requests = 0;
		for (int t = 0; t < sim->threads; t++)
			requests += sim->thread_counts[t].requests[l];
		double capacity = sim->world.link_capacity[l] / sim->scenario->agent_scale;
		/* The state's presence scales a cap (state_retreat; 1 by default). */
		if (r->presence[l] < 1)
			capacity = r->presence[l] > 0 ? capacity / r->presence[l] : INFINITY;
		if (queue && sim->world.link_capacity[l] > 0) {
			/* Word of queues: the refused share, smoothed once a day. */
			double refused = requests > 0 ? fmax(0, 1 - capacity / (double)requests) : 0;
			double next = (1 - smoothing) * r->queue[l] + smoothing * refused;
			r->queue_dirty = r->queue_dirty || next != r->queue[l];
			r->queue[l] = next;
		}
		if (requests == 0)
			continue;
		any = true;
		double p = capacity / (double)requests;
		r->accept[l] = p >= 1 ? UINT32_MAX : mf_rng_threshold(p);
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
	const int64_t n = sim->store.n;
#pragma omp parallel num_threads(sim->threads)
	{
		struct counters *c = &sim->thread_counts[omp_get_thread_num()];
#pragma omp for schedule(static)
		for (int64_t i = 0; i < n; i++)
			if (ctx.agents.state[i] == AGENT_REQUEST)
				decide_request(sim, &ctx, c, i);
	}
}
