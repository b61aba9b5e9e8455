/* Phase 2 of the day: new agents from the scenario's sources (daily rates
 * with seasonality and event multipliers) and from insecurity (a share of
 * the remaining population of insecure places), with Poisson draws from the
 * counter-based stream of each source and day. Also places the initial
 * population on day 0. */
#include <math.h>
#include <gsl/gsl_randist.h>

#include "migflow/date.h"
#include "migflow/rng.h"
#include "../streams.h"
#include "sahel.h"

static int pick(const struct mf_goal_set *set, double u)
{
	double total = 0;
	for (int i = 0; i < set->n; i++)
		total += set->weight[i];
	double target = u * total, running = 0;
	for (int i = 0; i < set->n; i++) {
		running += set->weight[i];
		if (target < running)
			return set->place[i];
	}
	return set->place[set->n - 1];
}

static void add_agent(struct mf_sim *sim, int place, int home, int goal, enum mf_intent intent)
{
	struct sahel *r = sahel_of(sim);
	struct mf_agents *a = &r->agents;
	int64_t i = sim->store.n++;
	a->loc[i] = (uint16_t)place;
	a->home[i] = (uint16_t)home;
	a->goal[i] = (uint16_t)goal;
	a->intent[i] = (uint8_t)intent;
	a->state[i] = AGENT_AT_PLACE;
	a->born[i] = (uint16_t)sim->day;
	a->attempts[i] = 0;
	a->flags[i] = r->country[place] != r->country[home] ? AGENT_ABROAD : 0;
	sim->present_agents[place * MF_INTENT_COUNT + intent]++;
	/* Its first decision can be today. */
	mf_schedule_agent(sim, i, sim->day - 1, SCHEDULE_SPAWNED);
}

static enum mf_status reserve(struct mf_sim *sim, int64_t more, struct mf_error *err)
{
	if (mf_store_reserve(&sim->store, sim->store.n + more) < 0)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory growing the agent store to %lld agents",
				    (long long)(sim->store.n + more));
	return MF_OK;
}

enum mf_status mf_spawn_initial(struct mf_sim *sim, struct mf_error *err)
{
	const struct mf_scenario *s = sim->scenario;
	for (int e = 0; e < s->n_initial; e++) {
		const struct mf_initial *init = &s->initial[e];
		int64_t n = llround(init->persons / s->agent_scale);
		if (reserve(sim, n, err) != MF_OK)
			return err->code;
		for (int64_t k = 0; k < n; k++) {
			uint64_t bits = mf_rng_bits(sim->key, mf_rng_counter((uint32_t)e >> 8, STREAM_INITIAL, (uint64_t)k, (uint32_t)e & 0xff));
			int home = pick(&init->homes, mf_rng_uniform(bits));
			int goal = init->intent == MF_INTENT_ONWARD   ? s->destination
				   : init->intent == MF_INTENT_RETURN ? home
								      : init->place;
			add_agent(sim, init->place, home, goal, init->intent);
		}
		sim->initial_agents += n;
	}
	sim->totals.spawned = sim->initial_agents * s->agent_scale;
	return MF_OK;
}

static enum mf_status spawn_group(struct mf_sim *sim, int place, double mean, uint32_t stream,
				  uint32_t index, const struct mf_goal_set *goals, int goal,
				  enum mf_intent intent, struct mf_error *err)
{
	struct sahel *r = sahel_of(sim);
	if (!(mean > 0))
		return MF_OK;
	mf_rng_gsl_seek(r->spawn_rng, sim->key, mf_rng_counter((uint32_t)sim->day, stream, index, 0));
	int64_t n = gsl_ran_poisson(r->spawn_rng, mean);
	if (reserve(sim, n, err) != MF_OK)
		return err->code;
	bool choose = !goals && intent == MF_INTENT_DISPLACED && r->refuge_n[place] > 1;
	for (int64_t k = 0; k < n; k++) {
		int to = goal;
		if (goals)
			to = pick(goals, gsl_rng_uniform(r->spawn_rng));
		else if (choose) /* among the place's refuges (refuge_temperature) */
			to = mf_refuge_pick(r->refuge, r->refuge_n, r->refuge_place, r->refuge_cum,
					    sim->n_places, place,
					    (uint32_t)(gsl_rng_uniform(r->spawn_rng) * 0x1.0p32));
		add_agent(sim, place, place, to, intent);
	}
	sim->today.spawned[place] += n * sim->scenario->agent_scale;
	return MF_OK;
}

enum mf_status mf_phase_spawn(struct mf_sim *sim, struct mf_error *err)
{
	struct sahel *r = sahel_of(sim);
	const struct mf_scenario *s = sim->scenario;
	int month = mf_date_month(s->start + sim->day);
	for (int i = 0; i < s->n_sources; i++) {
		const struct mf_source *src = &s->sources[i];
		double mean = src->rate * src->season[month] * sim->world.source_multiplier[i] / s->agent_scale;
		if (spawn_group(sim, src->place, mean, STREAM_SPAWN, (uint32_t)i, &src->goals, -1,
				src->intent, err) != MF_OK)
			return err->code;
	}
	/* Displacement by insecurity (MODEL.md 6, channel 1), driven by the fall
	 * of security below its level on the start date: the flows the starting
	 * insecurity already drives are the scenario's sources. */
	double rate = sim->params.displacement_rate;
	for (int p = 0; p < sim->n_places && rate > 0; p++) {
		double insecurity = sim->graph->places[p].security - sim->world.security[p];
		if (insecurity <= 0 || r->remaining_population[p] <= 0 || r->refuge[p] < 0)
			continue;
		double mean = r->remaining_population[p] * rate * insecurity / s->agent_scale;
		int64_t before = sim->today.spawned[p];
		if (spawn_group(sim, p, mean, STREAM_DISPLACE, (uint32_t)p, NULL, r->refuge[p],
				MF_INTENT_DISPLACED, err) != MF_OK)
			return err->code;
		r->remaining_population[p] -= (double)(sim->today.spawned[p] - before);
	}
	return MF_OK;
}
