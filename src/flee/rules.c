/* The FLEE rule set's entry points (engine.h, struct mf_rules_impl): its
 * state, the spawn plan and spawning, the audit of its agents. The world of
 * the day is world.c's, routes paths.c's, the agent step step.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>

#include "migflow/date.h"
#include "migflow/rng.h"
#include "../streams.h"
#include "flee.h"

/* ---- spawn plan ---- */

enum mf_status mf_flee_spawn_plan(const struct mf_flee_instance *inst, int days, int64_t *new_agents,
				  int64_t *initial, struct mf_error *err)
{
	const struct mf_flee_settings *s = &inst->settings;
	int64_t placed = 0;
	if (!s->empty_camps_on_day0)
		for (int c = 0; c < inst->n_camps; c++) {
			if (inst->camp_location[c] < 0)
				continue; /* a data row naming no camp: nowhere to place */
			if (s->insert_day0)
				placed += mf_flee_camp_data(inst, c, 0);
			placed += inst->locations[inst->camp_location[c]].initial_idps;
		}
	if (placed < 0)
		return mf_error_set(err, MF_ERR_INPUT, "negative day-0 camp population in the data");
	*initial = placed;
	/* The data total on a day, whose increase is spawned (FLEE's
	 * get_daily_difference); decreases are carried as a debt. */
	int64_t previous = 0, debt = 0;
	for (int t = 0; t < days; t++) {
		int64_t total = 0;
		if (s->sum_from_camps) {
			for (int c = 0; c < inst->n_camps; c++)
				total += mf_flee_camp_data(inst, c, t);
		} else {
			total = mf_flee_series_value(&inst->total, t);
			if (s->empty_camps_on_day0)
				total -= mf_flee_series_value(&inst->total, 0);
		}
		int64_t add = (t == 0 ? total : total - previous) - debt;
		previous = total;
		if (t == 0 && s->insert_day0)
			add = 0;
		if (add < 0) {
			debt = -add;
			add = 0;
		} else {
			debt = 0;
		}
		new_agents[t] = add;
	}
	return MF_OK;
}

/* ---- helpers ---- */

uint64_t mf_flee_threshold(double p)
{
	if (!(p > 0))
		return 0;
	if (p >= 1)
		return CERTAIN;
	return (uint64_t)ldexp(p, 32);
}

double mf_flee_conflict_decay(const struct mf_flee_settings *s, int since)
{
	if (s->n_conflict_spawn_decay == 0)
		return 1;
	int i = since < 0 ? 0 : since / s->conflict_spawn_decay_interval;
	if (i > s->n_conflict_spawn_decay - 1)
		i = s->n_conflict_spawn_decay - 1;
	return s->conflict_spawn_decay[i];
}

static void *zeroed(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

#define ALLOC(ptr, count) ((ptr) = zeroed((size_t)(count), sizeof(*(ptr))))

/* ---- creation ---- */

static int alloc_tables(struct flee *f, int days)
{
	int P = f->P, L = f->L;
	if (!ALLOC(f->link_from, L) || !ALLOC(f->link_to, L) || !ALLOC(f->link_km, L) ||
	    !ALLOC(f->out_first, P + 1) || !ALLOC(f->out_links, L) || !ALLOC(f->camp, P) ||
	    !ALLOC(f->idpcamp, P) || !ALLOC(f->town, P) || !ALLOC(f->conflict, P) ||
	    !ALLOC(f->conflict_since, P) || !ALLOC(f->movechance, P) || !ALLOC(f->capacity, P) ||
	    !ALLOC(f->population, P) || !ALLOC(f->closed, L) || !ALLOC(f->camp_closed, P) ||
	    !ALLOC(f->closure_active, f->inst->n_closures) || !ALLOC(f->link_open, L) ||
	    !ALLOC(f->full_camp, P) || !ALLOC(f->can_leave, P) || !ALLOC(f->score, P) ||
	    !ALLOC(f->capmult, P) || !ALLOC(f->spawn_weight, P) || !ALLOC(f->stay, f->codes) ||
	    !ALLOC(f->loc_rt, P) || !ALLOC(f->link_rt, L) ||
	    !ALLOC(f->pick_row, (size_t)P * PICK_STRIDE) || !ALLOC(f->new_agents, days) ||
	    !ALLOC(f->spawned_today, P))
		return -1;
	return 0;
}

/* Agents the whole run creates (the spawn plan's sum), or -1. */
static int64_t planned_agents(const struct mf_flee_instance *inst, int days, int64_t *plan,
			      struct mf_error *err)
{
	int64_t initial = 0;
	if (mf_flee_spawn_plan(inst, days, plan, &initial, err) != MF_OK)
		return -1;
	int64_t total = initial;
	for (int t = 0; t < days; t++)
		total += plan[t];
	return total;
}

static enum mf_status create(struct mf_sim *sim, struct mf_error *err)
{
	const struct mf_flee_instance *inst = sim->scenario->flee;
	if (!inst)
		return mf_error_set(err, MF_ERR_INPUT, "rules flee: the scenario has no FLEE instance");
	struct flee *f = calloc(1, sizeof(*f));
	if (!f)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
	sim->rules_state = f;
	f->inst = inst;
	f->settings = inst->settings;
	f->s = &f->settings;
	for (int i = 0; i < sim->n_overrides; i++) {
		double min, max, *setting = NULL;
		const char *name = sim->overrides[i].name;
		if (strncmp(name, "flee.", 5) == 0)
			setting = mf_flee_setting(&f->settings, name + 5, &min, &max);
		if (setting)
			*setting = sim->overrides[i].value;
	}
	f->P = inst->n_locations;
	f->L = 2 * inst->n_routes;
	f->codes = 2 * f->P + 1 + f->L;
	f->key = sim->key;
	f->pair_draws = mf_flee_best_pair_draws();
	f->present = sim->present_agents;
	f->link_open_event = sim->world.link_open_event;
	if (f->P != sim->n_places || f->L != sim->n_links)
		return mf_error_set(err, MF_ERR_INTERNAL, "the network is not the FLEE instance's");
	if (inst->has_conflicts && sim->days_total > inst->conflict_days)
		return mf_error_set(err, MF_ERR_INPUT, "%d days asked but %s/input_csv/conflicts.csv has data "
				    "for %d days", sim->days_total, inst->dir, inst->conflict_days);
	if (alloc_tables(f, sim->days_total) < 0)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating the simulation");
	mf_flee_init_network(f);
	mf_flee_init_locations(f);
	if (mf_flee_build_paths(f, err) != MF_OK)
		return err->code;
	int64_t capacity = planned_agents(inst, sim->days_total, f->new_agents, err);
	if (capacity < 0)
		return err->code;
	if (capacity > INT32_MAX)
		return mf_error_set(err, MF_ERR_INPUT, "%lld agents: more than 2^31; raise hasten",
				    (long long)capacity);
	struct mf_store *store = &sim->store;
	if (mf_store_column(store, (void **)&f->a.where, sizeof(*f->a.where), false) != 0 ||
	    mf_store_column(store, (void **)&f->a.rest, sizeof(*f->a.rest), false) != 0 ||
	    mf_store_column(store, (void **)&f->a.state, sizeof(*f->a.state), true) != 0 ||
	    mf_store_reserve(store, capacity) != 0)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory for %lld agents", (long long)capacity);
	return MF_OK;
}

/* A thread per AGENTS_PER_THREAD agents: below that, a day's work is too
 * short for the threads to pay for their synchronisation. */
static int default_threads(const struct mf_scenario *scenario, int days)
{
	int64_t *plan = calloc((size_t)(days > 0 ? days : 1), sizeof(int64_t));
	struct mf_error err = {0};
	int64_t agents = plan && scenario->flee ? planned_agents(scenario->flee, days, plan, &err) : 0;
	free(plan);
	int64_t wanted = 1 + (agents > 0 ? agents : 0) / AGENTS_PER_THREAD;
	return wanted < omp_get_max_threads() ? (int)wanted : omp_get_max_threads();
}

static void destroy(struct mf_sim *sim)
{
	struct flee *f = flee_of(sim);
	void *arrays[] = {
		f->link_from, f->link_to, f->link_km, f->out_first, f->out_links,
		f->paths.first, f->paths.link_offset, f->paths.links, f->paths.end,
		f->paths.km, f->camp, f->idpcamp, f->town, f->conflict, f->conflict_since,
		f->movechance, f->capacity, f->population, f->closed, f->camp_closed,
		f->closure_active, f->link_open, f->full_camp, f->can_leave, f->score,
		f->capmult, f->path_cum, f->spawn_weight, f->stay, f->loc_rt, f->link_rt,
		f->path_rt, f->path_pick, f->pick_row, f->new_agents, f->spawned_today,
	};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(*arrays); i++)
		free(arrays[i]);
	free(f);
	sim->rules_state = NULL;
}

/* ---- the day ---- */

static enum mf_status derive(struct mf_sim *sim, struct mf_error *err)
{
	struct flee *f = flee_of(sim);
	f->day = sim->day;
	mf_flee_conflicts(f);
	return MF_OK;
}

static void place(struct mf_sim *sim, struct flee *f, int p)
{
	int64_t i = sim->store.n++;
	f->a.where[i] = p;
	f->a.rest[i] = (struct agent_rest){.route = -1};
	f->a.state[i] = AGENT_AT_PLACE;
	sim->present_agents[(size_t)p * MF_INTENT_COUNT + MF_INTENT_DISPLACED]++;
	f->spawned_today[p]++;
}

/* Day 0: the camps' populations (and initial_idps), in data_layout order. */
static void place_day0(struct mf_sim *sim, struct flee *f)
{
	const struct mf_flee_instance *inst = f->inst;
	if (f->s->empty_camps_on_day0)
		return;
	for (int c = 0; c < inst->n_camps; c++) {
		int p = inst->camp_location[c];
		if (p < 0)
			continue;
		int64_t n = inst->locations[p].initial_idps;
		if (f->s->insert_day0)
			n += mf_flee_camp_data(inst, c, 0);
		for (int64_t k = 0; k < n; k++)
			place(sim, f, p);
	}
}

/* Data-driven spawning: the day's new refugees at conflict zones, each
 * picked with weight population x intensity x decay. */
static enum mf_status spawn(struct mf_sim *sim, struct mf_error *err)
{
	struct flee *f = flee_of(sim);
	memset(f->spawned_today, 0, (size_t)f->P * sizeof(int64_t));
	if (sim->day == 0)
		place_day0(sim, f);
	int64_t n = f->new_agents[f->day];
	double total = 0;
	for (int p = 0; p < f->P; p++) {
		double w = 0;
		if (f->conflict[p] > 0)
			w = f->population[p] * f->conflict[p] *
			    mf_flee_conflict_decay(f->s, f->day - f->conflict_since[p]);
		total += w;
		f->spawn_weight[p] = total; /* cumulative */
	}
	if (n > 0 && !(total > 0)) {
		char date[11];
		mf_date_format(f->inst->start + f->day, date);
		return mf_error_set(err, MF_ERR_INPUT,
				    "day %d (%s): %lld new refugees in the data but no conflict zone "
				    "with a population to spawn them from", f->day, date, (long long)n);
	}
	for (int64_t k = 0; k < n; k++) {
		uint64_t bits = mf_rng_bits(f->key, mf_rng_counter((uint32_t)f->day, STREAM_FLEE_SPAWN,
								   (uint64_t)sim->store.n, 0));
		double r = mf_rng_uniform(bits) * total;
		int lo = 0, hi = f->P - 1;
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (f->spawn_weight[mid] > r)
				hi = mid;
			else
				lo = mid + 1;
		}
		place(sim, f, lo);
	}
	if (n > 0 && f->s->take_from_population)
		for (int p = 0; p < f->P; p++)
			if (f->conflict[p] > 0)
				f->population[p] = fmax(0, f->population[p] - (double)f->spawned_today[p]);
	for (int p = 0; p < f->P; p++)
		sim->today.spawned[p] += f->spawned_today[p] * sim->scenario->agent_scale;
	return MF_OK;
}

/* The world the move reads, from the counts after spawning: closures of
 * the day, then the tables of locations, routes and codes. */
static void begin_move(struct mf_sim *sim)
{
	struct flee *f = flee_of(sim);
	mf_flee_closures(f);
	mf_flee_location_tables(f);
	mf_flee_route_tables(f);
	mf_flee_stay_table(f);
	mf_flee_begin_move(sim);
}

static enum mf_status audit(const struct mf_sim *sim, struct mf_error *err)
{
	const struct flee *f = flee_of(sim);
	int P = f->P, L = f->L;
	int64_t *count = calloc((size_t)(P + L), sizeof(int64_t));
	if (!count)
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory auditing the agents");
	for (int64_t i = 0; i < sim->store.n; i++) {
		int code = f->a.where[i];
		if (code < P)
			count[code]++;
		else if (code > P && code < P + 1 + L)
			count[P + code - P - 1]++;
		else if (code > P)
			count[code - P - 1 - L]++;
	}
	enum mf_status status = MF_OK;
	for (int p = 0; p < P && status == MF_OK; p++)
		if (count[p] != flee_agents_at(f, p))
			status = mf_error_set(err, MF_ERR_INTERNAL,
					      "location %d: %lld agents counted by changes, %lld in the store", p,
					      (long long)flee_agents_at(f, p), (long long)count[p]);
	for (int l = 0; l < L && status == MF_OK; l++)
		if (count[P + l] != sim->transit_agents[l])
			status = mf_error_set(err, MF_ERR_INTERNAL,
					      "link %d: %lld agents counted by changes, %lld in the store", l,
					      (long long)sim->transit_agents[l], (long long)count[P + l]);
	free(count);
	return status;
}

/* What the days change beyond the agents (checkpoints): the locations'
 * and links' FLEE state (kinds as camps open and close, conflicts, move
 * chances, capacities, populations, closures in force). The day's tables
 * are rebuilt by begin_move from these. */
static int state_arrays(struct mf_sim *sim, struct mf_state_array *a, int max)
{
	struct flee *f = flee_of(sim);
	size_t P = (size_t)f->P, L = (size_t)f->L, C = (size_t)f->inst->n_closures;
	struct mf_state_array all[] = {
		{"camp", MF_STATE_BYTES, P * sizeof(*f->camp), f->camp},
		{"idpcamp", MF_STATE_BYTES, P * sizeof(*f->idpcamp), f->idpcamp},
		{"town", MF_STATE_BYTES, P * sizeof(*f->town), f->town},
		{"conflict", MF_STATE_F64, P, f->conflict},
		{"conflict_since", MF_STATE_BYTES, P * sizeof(*f->conflict_since), f->conflict_since},
		{"movechance", MF_STATE_F64, P, f->movechance},
		{"capacity", MF_STATE_F64, P, f->capacity},
		{"population", MF_STATE_F64, P, f->population},
		{"closed", MF_STATE_BYTES, L * sizeof(*f->closed), f->closed},
		{"camp_closed", MF_STATE_BYTES, P * sizeof(*f->camp_closed), f->camp_closed},
		{"closure_active", MF_STATE_BYTES, C * sizeof(*f->closure_active), f->closure_active},
		{"link_open", MF_STATE_BYTES, L * sizeof(*f->link_open), f->link_open},
	};
	int n = (int)(sizeof(all) / sizeof(*all));
	if (n > max)
		return 0;
	memcpy(a, all, sizeof(all));
	return n;
}

/* The restored agents are where this instance has places and links, and
 * recount to the kept counts. */
static enum mf_status restored(struct mf_sim *sim, struct mf_error *err)
{
	struct flee *f = flee_of(sim);
	int32_t codes = 2 * f->P + 1 + f->L;
	for (int64_t i = 0; i < sim->store.n; i++)
		if ((f->a.state[i] != AGENT_AT_PLACE && f->a.state[i] != AGENT_LEFT) ||
		    f->a.where[i] < 0 || f->a.where[i] >= codes || f->a.where[i] == f->P)
			return mf_error_set(err, MF_ERR_INPUT, "agent %lld is nowhere this world has",
					    (long long)i);
	f->day = sim->day;
	return audit(sim, err);
}

/* flee.<number of move_rules>, e.g. flee.camp_movechance. */
static bool has_parameter(const char *name, double *min, double *max)
{
	size_t offset;
	return strncmp(name, "flee.", 5) == 0 && mf_flee_setting_number(name + 5, &offset, min, max);
}

bool mf_flee_link_open(const struct mf_sim *sim, int link)
{
	if (sim->rules != &mf_rules_flee || link < 0 || link >= sim->n_links)
		return false;
	return flee_of(sim)->link_open[link] != 0;
}

const struct mf_rules_impl mf_rules_flee = {
	.name = "flee",
	.create = create,
	.destroy = destroy,
	.derive = derive,
	.spawn = spawn,
	.begin_move = begin_move,
	.move_block = mf_flee_move_block,
	.end_move = NULL,
	.block_agents = CHUNK,
	.capacity = NULL,
	.audit = audit,
	.default_threads = default_threads,
	.has_parameter = has_parameter,
	.state_arrays = state_arrays,
	.restored = restored,
};
