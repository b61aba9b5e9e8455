/* Reading a FLEE instance's simsetting.yml into mf_flee_settings: FLEE's
 * defaults, the keys of spawn_rules, move_rules and optimisations (a table
 * of their kinds, ranges and fields), and mf_flee_setting*, the move_rules
 * numbers by name. */
#include "migflow/flee.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "flee_load.h"
#include "yamltree.h"

static void default_settings(struct mf_flee_settings *s)
{
	*s = (struct mf_flee_settings){
		.insert_day0 = true,
		.sum_from_camps = true,
		.conflict_spawn_decay_interval = 30,
		.max_move_speed = 360,
		.max_walk_speed = 35,
		.max_crossing_speed = 20,
		.foreign_weight = 1,
		.camp_weight = 1,
		.conflict_weight = 1.0 / 3.16227766017,
		.conflict_movechance = 1,
		.camp_movechance = 0.001,
		.idpcamp_movechance = 0.1,
		.default_movechance = 0.3,
		.awareness_level = 1,
		.capacity_buffer = 0.9,
		.capacity_scaling = 1,
		.softening = 10,
		.weight_softening = 0,
		.weight_power = 1,
		.distance_power = 1,
		.pruning_threshold = 1,
		.movechance_pop_base = 10000,
		.movechance_pop_scale_factor = 0,
		.hasten = 1,
	};
}

static int yaml_bool(const struct yt_doc *doc, const struct yt_node *node, const char *field,
		     bool *value, struct mf_error *err)
{
	static const char *const yes[] = {"true", "yes", "on", "y"};
	static const char *const no[] = {"false", "no", "off", "n"};
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (strcasecmp(node->text, yes[i]) == 0) {
			*value = true;
			return 0;
		}
		if (strcasecmp(node->text, no[i]) == 0) {
			*value = false;
			return 0;
		}
	}
	return yt_fail(doc, node, field, err, "expected True or False, got '%s'", node->text);
}

static bool yaml_null(const struct yt_node *node)
{
	return node->kind == YT_SCALAR && node->plain &&
	       (!node->text[0] || strcmp(node->text, "~") == 0 || strcasecmp(node->text, "null") == 0);
}

enum key_kind { KEY_NUMBER, KEY_INT, KEY_BOOL, KEY_UNSUPPORTED_TRUE, KEY_UNSUPPORTED, KEY_IGNORED };

struct key_spec {
	const char *name;
	enum key_kind kind;
	double min, max;
	size_t offset; /* into mf_flee_settings; for KEY_INT an int, KEY_BOOL a bool */
};

#define NUM(key, field, lo, hi) {key, KEY_NUMBER, lo, hi, offsetof(struct mf_flee_settings, field)}
#define INT(key, field, lo, hi) {key, KEY_INT, lo, hi, offsetof(struct mf_flee_settings, field)}
#define BOOL(key, field) {key, KEY_BOOL, 0, 0, offsetof(struct mf_flee_settings, field)}
#define NOT_TRUE(key) {key, KEY_UNSUPPORTED_TRUE, 0, 0, 0}
#define NOT_SUPPORTED(key) {key, KEY_UNSUPPORTED, 0, 0, 0}
#define IGNORED(key) {key, KEY_IGNORED, 0, 0, 0}

static const struct key_spec spawn_keys[] = {
	BOOL("take_from_population", take_from_population),
	BOOL("insert_day0", insert_day0),
	BOOL("empty_camps_on_day0", empty_camps_on_day0),
	BOOL("sum_from_camps", sum_from_camps),
	BOOL("camps_are_sinks", camps_are_sinks),
	INT("conflict_spawn_decay_interval", conflict_spawn_decay_interval, 1, 100000),
	/* conflict_spawn_decay: a list, read apart. */
	IGNORED("conflict_zone_spawning_only"), /* true or false: same spawning here */
	IGNORED("AverageSocialConnectivity"),
	NOT_TRUE("flood_zone_spawning_only"),
	NOT_TRUE("read_from_agents_csv_file"),
	NOT_SUPPORTED("conflict_driven_spawning"),
	NOT_SUPPORTED("flood_driven_spawning"),
};

static const struct key_spec move_keys[] = {
	NUM("max_move_speed", max_move_speed, 1e-6, 1e6),
	NUM("max_walk_speed", max_walk_speed, 1e-6, 1e6),
	NUM("max_crossing_speed", max_crossing_speed, 1e-6, 1e6),
	NUM("foreign_weight", foreign_weight, 0, 1e9),
	NUM("camp_weight", camp_weight, 0, 1e9),
	NUM("conflict_weight", conflict_weight, 0, 1e9),
	NUM("conflict_movechance", conflict_movechance, 0, 1),
	NUM("camp_movechance", camp_movechance, 0, 1),
	NUM("idpcamp_movechance", idpcamp_movechance, 0, 1),
	NUM("default_movechance", default_movechance, 0, 1),
	INT("awareness_level", awareness_level, 0, 8),
	NUM("capacity_buffer", capacity_buffer, 0, 0.999999),
	NUM("capacity_scaling", capacity_scaling, 0, 1e9),
	BOOL("avoid_short_stints", avoid_short_stints),
	BOOL("start_on_foot", start_on_foot),
	NUM("softening", softening, 0, 1e9),
	NUM("weight_softening", weight_softening, 0, 1e9),
	NUM("weight_power", weight_power, 0, 100),
	NUM("distance_power", distance_power, 0, 100),
	NUM("pruning_threshold", pruning_threshold, 0, 1e12),
	NUM("movechance_pop_base", movechance_pop_base, 1e-9, 1e12),
	NUM("movechance_pop_scale_factor", movechance_pop_scale_factor, -100, 100),
	NOT_TRUE("use_v1_rules"),
	NOT_TRUE("fixed_routes"),
	NOT_TRUE("stay_close_to_home"),
	IGNORED("home_distance_power"),
	NOT_TRUE("use_pop_for_loc_weight"),
	IGNORED("pop_power_for_loc_weight"),
	NOT_TRUE("ChildrenAvoidHazards"),
	NOT_TRUE("BoysTakeRisk"),
	NOT_TRUE("MatchCampEthnicity"),
	NOT_TRUE("MatchTownEthnicity"),
	NOT_TRUE("MatchConflictEthnicity"),
	NOT_SUPPORTED("flood_rules"),
};

static const struct key_spec optimisation_keys[] = {
	INT("hasten", hasten, 1, 1000000),
};

bool mf_flee_setting_number(const char *name, size_t *offset, double *min, double *max)
{
	for (size_t i = 0; i < sizeof(move_keys) / sizeof(*move_keys); i++)
		if (move_keys[i].kind == KEY_NUMBER && strcmp(move_keys[i].name, name) == 0) {
			*offset = move_keys[i].offset;
			*min = move_keys[i].min;
			*max = move_keys[i].max;
			return true;
		}
	return false;
}

double *mf_flee_setting(struct mf_flee_settings *settings, const char *name, double *min,
			double *max)
{
	size_t offset;
	if (!mf_flee_setting_number(name, &offset, min, max))
		return NULL;
	return (double *)(void *)((char *)settings + offset); /* offsetof a double field */
}

static const struct key_spec *find_key(const struct key_spec *specs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(specs[i].name, name) == 0)
			return &specs[i];
	return NULL;
}

static enum mf_status read_section(struct mf_flee_instance *inst, const struct yt_doc *doc,
				   const struct yt_node *map, const char *section,
				   const struct key_spec *specs, int n_specs, struct mf_error *err)
{
	if (yaml_null(map))
		return MF_OK;
	if (yt_expect(doc, map, YT_MAPPING, section, err) < 0)
		return err->code;
	struct mf_flee_settings *s = &inst->settings;
	for (int i = 0; i < map->n; i++) {
		const struct yt_node *key = map->items[2 * i], *value = map->items[2 * i + 1];
		char field[128];
		snprintf(field, sizeof(field), "%s.%s", section, key->kind == YT_SCALAR ? key->text : "?");
		if (key->kind != YT_SCALAR)
			return yt_fail(doc, key, section, err, "keys must be plain names"), err->code;
		for (int j = 0; j < i; j++)
			if (strcmp(map->items[2 * j]->text, key->text) == 0)
				return yt_fail(doc, key, field, err, "key given twice (first on line %d)",
					       map->items[2 * j]->line), err->code;
		if (strcmp(section, "spawn_rules") == 0 && strcmp(key->text, "conflict_spawn_decay") == 0) {
			if (yaml_null(value)) {
				s->n_conflict_spawn_decay = 0;
				continue;
			}
			if (yt_expect(doc, value, YT_SEQUENCE, field, err) < 0)
				return err->code;
			if (value->n > (int)(sizeof(s->conflict_spawn_decay) / sizeof(double)))
				return yt_fail(doc, value, field, err, "at most %d values",
					       (int)(sizeof(s->conflict_spawn_decay) / sizeof(double))), err->code;
			for (int k = 0; k < value->n; k++)
				if (yt_number(doc, value->items[k], field, 0, 1e9, &s->conflict_spawn_decay[k],
					      err) < 0)
					return err->code;
			s->n_conflict_spawn_decay = value->n;
			continue;
		}
		if (strcmp(section, "spawn_rules") == 0 && strcmp(key->text, "camps_are_sicks") == 0) {
			/* FLEE reads camps_are_sinks from this misspelt key; we read
			 * both, so that instances written for FLEE keep working. */
			if (yaml_bool(doc, value, field, &s->camps_are_sinks, err) < 0)
				return err->code;
			if (flee_warn(inst, err, MF_FLEE_LENIENT, doc->path, key->line, key->column, field,
				 "read as spawn_rules.camps_are_sinks (FLEE's misspelt key)") != MF_OK)
				return err->code;
			continue;
		}
		const struct key_spec *spec = find_key(specs, n_specs, key->text);
		if (!spec) {
			if (flee_warn(inst, err, MF_FLEE_LENIENT, doc->path, key->line, key->column, field,
				 "unknown key ignored (FLEE ignores it too)") != MF_OK)
				return err->code;
			continue;
		}
		char *base = (char *)s;
		double number;
		long whole;
		bool flag;
		switch (spec->kind) {
		case KEY_NUMBER:
			if (yt_number(doc, value, field, spec->min, spec->max, &number, err) < 0)
				return err->code;
			memcpy(base + spec->offset, &number, sizeof(number));
			break;
		case KEY_INT: {
			if (yt_integer(doc, value, field, (long)spec->min, (long)spec->max, &whole, err) < 0)
				return err->code;
			int as_int = (int)whole;
			memcpy(base + spec->offset, &as_int, sizeof(as_int));
			break;
		}
		case KEY_BOOL:
			if (yaml_bool(doc, value, field, &flag, err) < 0)
				return err->code;
			memcpy(base + spec->offset, &flag, sizeof(flag));
			break;
		case KEY_UNSUPPORTED_TRUE:
			if (yaml_bool(doc, value, field, &flag, err) < 0)
				return err->code;
			if (flag)
				return yt_fail(doc, value, field, err,
					       "not supported by migflow's FLEE rule set (see scenarios/FLEE.md)"),
				       err->code;
			break;
		case KEY_UNSUPPORTED:
			if (!yaml_null(value))
				return yt_fail(doc, key, field, err,
					       "not supported by migflow's FLEE rule set (see scenarios/FLEE.md)"),
				       err->code;
			break;
		case KEY_IGNORED:
			break;
		}
	}
	return MF_OK;
}

enum mf_status flee_read_settings(struct mf_flee_instance *inst, int hasten, struct mf_error *err)
{
	default_settings(&inst->settings);
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "", "simsetting.yml");
	if (!flee_exists(path)) {
		if (hasten > 0)
			inst->settings.hasten = hasten;
		return flee_warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
			    "no such file; FLEE's default settings used");
	}
	struct yt_doc *doc = yt_load(path, err);
	if (!doc)
		return err->code;
	enum mf_status status = MF_OK;
	const struct yt_node *root = doc->root;
	if (root && !yaml_null(root)) {
		if (yt_expect(doc, root, YT_MAPPING, "", err) < 0) {
			status = err->code;
			goto done;
		}
		for (int i = 0; i < root->n && status == MF_OK; i++) {
			const struct yt_node *key = root->items[2 * i], *value = root->items[2 * i + 1];
			if (key->kind != YT_SCALAR) {
				yt_fail(doc, key, "", err, "keys must be plain names");
				status = err->code;
			} else if (strcmp(key->text, "spawn_rules") == 0) {
				status = read_section(inst, doc, value, key->text, spawn_keys,
						      (int)(sizeof(spawn_keys) / sizeof(*spawn_keys)), err);
			} else if (strcmp(key->text, "move_rules") == 0) {
				status = read_section(inst, doc, value, key->text, move_keys,
						      (int)(sizeof(move_keys) / sizeof(*move_keys)), err);
			} else if (strcmp(key->text, "optimisations") == 0) {
				status = read_section(inst, doc, value, key->text, optimisation_keys,
						      (int)(sizeof(optimisation_keys) / sizeof(*optimisation_keys)),
						      err);
			} else if (strcmp(key->text, "log_levels") != 0 &&
				   strcmp(key->text, "number_of_steps") != 0) {
				status = flee_warn(inst, err, MF_FLEE_LENIENT, path, key->line, key->column,
					      key->text, "unknown key ignored (FLEE ignores it too)");
			}
		}
	}
	if (status == MF_OK && hasten > 0)
		inst->settings.hasten = hasten;
done:
	yt_free(doc);
	return status;
}
