/* A migflow scenario describing a FLEE instance, so that the run is written
 * by src/output.c like any other: the locations become places, the routes
 * pairs of links, hasten the agent scale, and the effective simsetting the
 * scenario text stored in the file. */
#include "migflow/flee.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/graph.h"
#include "migflow/version.h"

/* Copies at most size - 1 bytes of src, not cutting a UTF-8 character. */
static void copy_utf8(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The place id of location p: its name when it fits, else a shortened
 * name made unique by the location's index. */
static void place_id(const struct mf_flee_instance *inst, int p, char id[MF_ID_MAX])
{
	const char *name = inst->locations[p].name;
	if (strlen(name) < MF_ID_MAX) {
		memcpy(id, name, strlen(name) + 1);
		return;
	}
	char suffix[16];
	int n = snprintf(suffix, sizeof(suffix), "~%d", p);
	copy_utf8(id, MF_ID_MAX - (size_t)n, name);
	strcat(id, suffix);
}

static enum mf_place_kind kind_of(const struct mf_flee_location *loc)
{
	if (loc->camp)
		return MF_PLACE_CAMP;
	switch (loc->type) {
	case MF_FLEE_CONFLICT: return MF_PLACE_ORIGIN;
	case MF_FLEE_FORWARD: return MF_PLACE_HUB;
	default: return MF_PLACE_TOWN;
	}
}

static const char *yes_no(bool value)
{
	return value ? "True" : "False";
}

/* The effective settings as simsetting.yml text; caller frees. */
static char *settings_text(const struct mf_flee_instance *inst)
{
	const struct mf_flee_settings *s = &inst->settings;
	char decay[1024] = "null";
	if (s->n_conflict_spawn_decay > 0) {
		size_t used = (size_t)snprintf(decay, sizeof(decay), "[");
		for (int i = 0; i < s->n_conflict_spawn_decay && used < sizeof(decay); i++)
			used += (size_t)snprintf(decay + used, sizeof(decay) - used, "%s%.17g", i ? ", " : "",
						 s->conflict_spawn_decay[i]);
		if (used < sizeof(decay))
			snprintf(decay + used, sizeof(decay) - used, "]");
	}
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (!out)
		return NULL;
	fprintf(out,
		"# FLEE instance %s, run by migflow %s with these settings\n"
		"# (simsetting.yml merged with FLEE's defaults; see scenarios/FLEE.md).\n"
		"spawn_rules:\n"
		"  take_from_population: %s\n  insert_day0: %s\n  empty_camps_on_day0: %s\n"
		"  sum_from_camps: %s\n  camps_are_sinks: %s\n  conflict_spawn_decay: %s\n"
		"  conflict_spawn_decay_interval: %d\n"
		"move_rules:\n"
		"  max_move_speed: %.17g\n  max_walk_speed: %.17g\n  max_crossing_speed: %.17g\n"
		"  foreign_weight: %.17g\n  camp_weight: %.17g\n  conflict_weight: %.17g\n"
		"  conflict_movechance: %.17g\n  camp_movechance: %.17g\n  idpcamp_movechance: %.17g\n"
		"  default_movechance: %.17g\n  awareness_level: %d\n  capacity_buffer: %.17g\n"
		"  capacity_scaling: %.17g\n  avoid_short_stints: %s\n  start_on_foot: %s\n"
		"  softening: %.17g\n  weight_softening: %.17g\n  weight_power: %.17g\n"
		"  distance_power: %.17g\n  pruning_threshold: %.17g\n  movechance_pop_base: %.17g\n"
		"  movechance_pop_scale_factor: %.17g\n"
		"optimisations:\n"
		"  hasten: %d\n",
		inst->dir, MF_VERSION, yes_no(s->take_from_population), yes_no(s->insert_day0),
		yes_no(s->empty_camps_on_day0), yes_no(s->sum_from_camps), yes_no(s->camps_are_sinks), decay,
		s->conflict_spawn_decay_interval, s->max_move_speed, s->max_walk_speed,
		s->max_crossing_speed, s->foreign_weight, s->camp_weight, s->conflict_weight,
		s->conflict_movechance, s->camp_movechance, s->idpcamp_movechance, s->default_movechance,
		s->awareness_level, s->capacity_buffer, s->capacity_scaling, yes_no(s->avoid_short_stints),
		yes_no(s->start_on_foot), s->softening, s->weight_softening, s->weight_power,
		s->distance_power, s->pruning_threshold, s->movechance_pop_base,
		s->movechance_pop_scale_factor, s->hasten);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static struct mf_graph *graph_create(const struct mf_flee_instance *inst)
{
	struct mf_graph *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	int P = inst->n_locations, L = 2 * inst->n_routes, C = inst->n_countries;
	g->n_places = P;
	g->n_links = L;
	g->n_countries = C;
	g->places = calloc((size_t)P, sizeof(*g->places));
	g->links = calloc(L ? (size_t)L : 1, sizeof(*g->links));
	g->countries = calloc(C ? (size_t)C : 1, sizeof(*g->countries));
	g->out_offset = calloc((size_t)P + 1, sizeof(int));
	g->out_links = calloc(L ? (size_t)L : 1, sizeof(int));
	if (!g->places || !g->links || !g->countries || !g->out_offset || !g->out_links) {
		mf_graph_destroy(g);
		return NULL;
	}
	double h = inst->settings.hasten;
	for (int p = 0; p < P; p++) {
		const struct mf_flee_location *loc = &inst->locations[p];
		struct mf_place *place = &g->places[p];
		place_id(inst, p, place->id);
		copy_utf8(place->name, sizeof(place->name), loc->name);
		copy_utf8(place->country, sizeof(place->country), loc->country);
		copy_utf8(place->region, sizeof(place->region), loc->region);
		place->lat = loc->x; /* the files put latitude in column 3 */
		place->lon = loc->y;
		place->kind = kind_of(loc);
		place->population = loc->population * h;
		place->capacity = loc->capacity > 0 ? loc->capacity * h : 0;
		place->security = loc->type == MF_FLEE_CONFLICT ? 0 : 1;
		place->country_index = loc->country_index;
		place->line = loc->line;
	}
	for (int c = 0; c < C; c++)
		copy_utf8(g->countries[c], sizeof(g->countries[c]), inst->countries[c]);
	for (int r = 0; r < inst->n_routes; r++) {
		const struct mf_flee_route *route = &inst->routes[r];
		for (int dir = 0; dir < 2; dir++) {
			struct mf_link *link = &g->links[2 * r + dir];
			link->from = dir ? route->b : route->a;
			link->to = dir ? route->a : route->b;
			link->mode = MF_MODE_ROAD;
			link->distance_km = route->distance_km;
			link->intercept_to = -1;
			link->departs_weekday = -1;
			link->line = route->line;
			g->out_offset[link->from + 1]++;
		}
	}
	for (int p = 0; p < P; p++)
		g->out_offset[p + 1] += g->out_offset[p];
	int *fill = calloc((size_t)P, sizeof(int));
	if (!fill) {
		mf_graph_destroy(g);
		return NULL;
	}
	for (int l = 0; l < L; l++) {
		int from = g->links[l].from;
		g->out_links[g->out_offset[from] + fill[from]++] = l;
	}
	free(fill);
	return g;
}

enum mf_status mf_flee_world_fill(struct mf_scenario *scenario, const struct mf_flee_instance *inst,
				  struct mf_error *err)
{
	scenario->start = inst->start;
	scenario->days = inst->run_days;
	scenario->agent_scale = inst->settings.hasten;
	scenario->destination = -1;
	scenario->rules = MF_RULES_FLEE;
	scenario->flee = inst;
	if (!(scenario->graph = graph_create(inst)))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory describing the FLEE instance");
	/* Ids must be unique for the output's place coordinate. */
	for (int p = 0; p < inst->n_locations; p++)
		for (int q = 0; q < p; q++)
			if (strcmp(scenario->graph->places[p].id, scenario->graph->places[q].id) == 0)
				return mf_error_set(err, MF_ERR_INPUT,
						    "locations '%s' and '%s' have the same %d-byte place id '%s'",
						    inst->locations[q].name, inst->locations[p].name,
						    MF_ID_MAX - 1, scenario->graph->places[p].id);
	return MF_OK;
}

struct mf_scenario *mf_flee_scenario_create(const struct mf_flee_instance *inst, uint64_t seed,
					    struct mf_error *err)
{
	struct mf_scenario *scenario = calloc(1, sizeof(*scenario));
	if (!scenario) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory describing the FLEE instance");
		return NULL;
	}
	copy_utf8(scenario->path, sizeof(scenario->path), inst->dir);
	copy_utf8(scenario->name, sizeof(scenario->name), inst->name);
	scenario->seed = seed;
	if (mf_flee_world_fill(scenario, inst, err) != MF_OK) {
		mf_flee_scenario_destroy(scenario);
		return NULL;
	}
	if (!(scenario->resolved_text = settings_text(inst))) {
		mf_flee_scenario_destroy(scenario);
		mf_error_set(err, MF_ERR_NOMEM, "out of memory describing the FLEE instance");
		return NULL;
	}
	return scenario;
}

void mf_flee_scenario_destroy(struct mf_scenario *scenario)
{
	if (!scenario)
		return;
	mf_graph_destroy(scenario->graph);
	free(scenario->resolved_text);
	free(scenario);
}
