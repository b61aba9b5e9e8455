/* Phase 1 of the day: apply the scenario's events due today to the world
 * and advance security ramps (world.changed says whether anything changed;
 * the rule set then derives its tables once). */
#include <string.h>

#include "parameters.h"
#include "engine.h"

static void apply(struct mf_sim *sim, const struct mf_event *e)
{
	struct world *w = &sim->world;
	switch (e->kind) {
	case MF_EVENT_SECURITY:
		for (int i = 0; i < e->n_places; i++) {
			int p = e->places[i];
			if (e->ramp_days == 0) {
				w->security[p] = e->value;
				w->ramp_end[p] = -1;
			} else {
				w->ramp_from[p] = w->security[p];
				w->ramp_to[p] = e->value;
				w->ramp_start[p] = e->day;
				w->ramp_end[p] = e->day + e->ramp_days;
			}
		}
		break;
	case MF_EVENT_CLOSURE:
	case MF_EVENT_REOPEN:
		for (int i = 0; i < e->n_links; i++)
			w->link_open_event[e->links[i]] = e->kind == MF_EVENT_REOPEN;
		break;
	case MF_EVENT_CAPACITY:
		for (int i = 0; i < e->n_links; i++)
			w->link_capacity[e->links[i]] = e->value;
		break;
	case MF_EVENT_SPEED:
		for (int i = 0; i < e->n_links; i++)
			w->link_speed[e->links[i]] = e->value;
		break;
	case MF_EVENT_FARE:
		/* Multipliers apply to the network's base value, not cumulatively. */
		for (int i = 0; i < e->n_links; i++)
			w->link_fare[e->links[i]] = e->value_is_absolute
				? e->value : e->value * sim->graph->links[e->links[i]].fare_usd;
		break;
	case MF_EVENT_HAZARD:
		for (int i = 0; i < e->n_links && e->per_crossing; i++)
			w->link_death_crossing[e->links[i]] = e->value;
		for (int i = 0; i < e->n_links && !e->per_crossing; i++) {
			double p = e->value_is_absolute
				? e->value : e->value * sim->graph->links[e->links[i]].death_per_day;
			w->link_death_day[e->links[i]] = p > 1 ? 1 : p;
		}
		break;
	case MF_EVENT_INTERCEPTION:
		for (int i = 0; i < e->n_links; i++)
			w->link_interception[e->links[i]] = e->value;
		break;
	case MF_EVENT_CONVOY:
		for (int i = 0; i < e->n_links; i++)
			w->link_departs[e->links[i]] = (int8_t)e->weekday;
		break;
	case MF_EVENT_SOURCE_RATE:
		for (int s = 0; s < sim->scenario->n_sources; s++) {
			const struct mf_source *src = &sim->scenario->sources[s];
			if ((!e->source_name[0] || strcmp(e->source_name, src->name) == 0) &&
			    (e->source_place < 0 || e->source_place == src->place) &&
			    (e->source_intent < 0 || e->source_intent == (int)src->intent))
				w->source_multiplier[s] = e->value;
		}
		break;
	case MF_EVENT_PARAMETER: {
		/* Checked when the scenario was read: it resolves. */
		struct mf_param_ref ref;
		char why[600];
		if (mf_param_resolve(e->parameter, sim->graph, &ref, why, sizeof(why)) == MF_PARAM_FOUND)
			mf_param_set(&sim->params, &ref, e->value);
		break;
	}
	case MF_EVENT_KIND_COUNT:
		break;
	}
	w->changed = true;
}

static void advance_ramps(struct mf_sim *sim)
{
	struct world *w = &sim->world;
	for (int p = 0; p < sim->n_places; p++) {
		if (w->ramp_end[p] < 0)
			continue;
		int span = w->ramp_end[p] - w->ramp_start[p];
		double done = (double)(sim->day - w->ramp_start[p]) / span;
		if (done >= 1) {
			w->security[p] = w->ramp_to[p];
			w->ramp_end[p] = -1;
		} else {
			w->security[p] = w->ramp_from[p] + (w->ramp_to[p] - w->ramp_from[p]) * done;
		}
		w->changed = true;
	}
}

void mf_phase_events(struct mf_sim *sim)
{
	const struct mf_scenario *s = sim->scenario;
	while (sim->next_event < s->n_events && s->events[sim->next_event].day <= sim->day)
		apply(sim, &s->events[sim->next_event++]);
	advance_ramps(sim);
}
