/* Reading a FLEE instance: input_csv/, source_data/ and simsetting.yml.
 *
 * The order matters: the settings first (hasten scales populations and the
 * validation data), then the network (locations, routes), then what refers
 * to it by name (closures, conflicts), then the period and the validation
 * data with its registration corrections. */
#include "migflow/flee.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "migflow/date.h"
#include "csv.h"
#include "text.h"
#include "yamltree.h"

#define PATH_SIZE 1024
#define NUMBER_SIZE 64
#define LOCATIONS_MAX 60000
#define ROUTES_MAX 30000

/* ---- small helpers ---- */

static char *copy_text(const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (copy)
		memcpy(copy, text, n + 1);
	return copy;
}

static enum mf_status no_memory(struct mf_error *err)
{
	return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading the FLEE instance");
}

/* Makes room for element n of *array. Arrays grow to 64, 128, 256, ...
 * elements, so room is needed when n is 0 or such a power of two. */
static enum mf_status grow(void **array, int n, size_t size, struct mf_error *err)
{
	if (n != 0 && (n < 64 || (n & (n - 1)) != 0))
		return MF_OK;
	void *bigger = realloc(*array, (size_t)(n ? 2 * n : 64) * size);
	if (!bigger)
		return no_memory(err);
	*array = bigger;
	return MF_OK;
}

int mf_flee_warning_format(const struct mf_flee_warning *w, char *out, size_t size)
{
	char where[64] = "";
	if (w->line > 0 && w->column > 0)
		snprintf(where, sizeof(where), ":%d:%d", w->line, w->column);
	else if (w->line > 0)
		snprintf(where, sizeof(where), ":%d", w->line);
	if (w->field && w->field[0])
		return snprintf(out, size, "%s%s: '%s': %s", w->file, where, w->field, w->message);
	return snprintf(out, size, "%s%s: %s", w->file, where, w->message);
}

/* Records a warning for the caller: something FLEE runs with that is read
 * leniently (an error instead when loading strictly), or something not
 * used. */
static enum mf_status warn(struct mf_flee_instance *inst, struct mf_error *err,
			   enum mf_flee_warning_kind kind, const char *file, int line, int column,
			   const char *field, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static enum mf_status warn(struct mf_flee_instance *inst, struct mf_error *err,
			   enum mf_flee_warning_kind kind, const char *file, int line, int column,
			   const char *field, const char *fmt, ...)
{
	char text[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	if (kind == MF_FLEE_LENIENT && inst->strict)
		return mf_error_at(err, file, line, column, field,
				   "%s (refused: reading strictly; otherwise a warning)", text);
	struct mf_flee_warning *bigger =
		realloc(inst->warnings, (size_t)(inst->n_warnings + 1) * sizeof(*bigger));
	if (!bigger)
		return no_memory(err);
	inst->warnings = bigger;
	struct mf_flee_warning *w = &inst->warnings[inst->n_warnings];
	*w = (struct mf_flee_warning){.kind = kind, .line = line, .column = column};
	w->file = copy_text(file);
	w->field = copy_text(field);
	w->message = copy_text(text);
	inst->n_warnings++;
	if (!w->file || !w->field || !w->message)
		return no_memory(err);
	return MF_OK;
}

/* A warning at field i of the current CSV row. */
#define warn_cell(inst, err, csv, i, field, ...)                                                  \
	warn(inst, err, MF_FLEE_LENIENT, mf_csv_path(csv), mf_csv_line(csv),                      \
	     mf_csv_column(csv, i), field, __VA_ARGS__)

/* Error at field i of the current row, named field. */
static enum mf_status cell_error(const struct mf_csv *csv, int i, const char *field,
				 struct mf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum mf_status cell_error(const struct mf_csv *csv, int i, const char *field,
				 struct mf_error *err, const char *fmt, ...)
{
	char text[400];
	va_list args;
	va_start(args, fmt);
	vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	return mf_error_at(err, mf_csv_path(csv), mf_csv_line(csv), mf_csv_column(csv, i), field,
			   "%s", text);
}

/* A number in field i (blanks around it allowed, as Python's float()). An
 * empty field gives fallback when allow_empty, else an error. */
static enum mf_status cell_number(const struct mf_csv *csv, int i, const char *field,
				  double min, double max, bool allow_empty, double fallback,
				  double *value, struct mf_error *err)
{
	char buf[NUMBER_SIZE];
	mf_csv_trimmed(csv, i, buf, sizeof(buf));
	if (!buf[0] && allow_empty) {
		*value = fallback;
		return MF_OK;
	}
	if (!mf_text_double(buf, value))
		return cell_error(csv, i, field, err, "expected a number, got '%s'", mf_csv_field(csv, i));
	if (*value < min || *value > max)
		return cell_error(csv, i, field, err, "expected a number in [%g, %g], got %s", min, max, buf);
	return MF_OK;
}

static enum mf_status cell_long(const struct mf_csv *csv, int i, const char *field, long min,
				long max, bool allow_empty, long fallback, long *value,
				struct mf_error *err)
{
	char buf[NUMBER_SIZE];
	mf_csv_trimmed(csv, i, buf, sizeof(buf));
	if (!buf[0] && allow_empty) {
		*value = fallback;
		return MF_OK;
	}
	if (!mf_text_long(buf, min, max, value))
		return cell_error(csv, i, field, err, "expected a whole number in [%ld, %ld], got '%s'",
				  min, max, mf_csv_field(csv, i));
	return MF_OK;
}

/* The location named by field i, which must exist. */
static enum mf_status cell_location(const struct mf_flee_instance *inst, const struct mf_csv *csv,
				    int i, const char *field, int *index, struct mf_error *err)
{
	const char *name = mf_csv_field(csv, i);
	*index = mf_flee_location_index(inst, name);
	if (*index < 0)
		return cell_error(csv, i, field, err, "no location named '%s' in locations.csv", name);
	return MF_OK;
}

static void join(char *out, const char *dir, const char *sub, const char *name)
{
	snprintf(out, PATH_SIZE, "%s/%s%s%s", dir, sub, *sub ? "/" : "", name);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int mf_flee_location_index(const struct mf_flee_instance *inst, const char *name)
{
	for (int i = 0; i < inst->n_locations; i++)
		if (strcmp(inst->locations[i].name, name) == 0)
			return i;
	return -1;
}

static int country_index(const struct mf_flee_instance *inst, const char *name)
{
	for (int i = 0; i < inst->n_countries; i++)
		if (strcmp(inst->countries[i], name) == 0)
			return i;
	return -1;
}

/* ---- simsetting.yml ---- */

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
	return (double *)((char *)settings + offset);
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
			if (warn(inst, err, MF_FLEE_LENIENT, doc->path, key->line, key->column, field,
				 "read as spawn_rules.camps_are_sinks (FLEE's misspelt key)") != MF_OK)
				return err->code;
			continue;
		}
		const struct key_spec *spec = find_key(specs, n_specs, key->text);
		if (!spec) {
			if (warn(inst, err, MF_FLEE_LENIENT, doc->path, key->line, key->column, field,
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

static enum mf_status read_settings(struct mf_flee_instance *inst, int hasten, struct mf_error *err)
{
	default_settings(&inst->settings);
	char path[PATH_SIZE];
	join(path, inst->dir, "", "simsetting.yml");
	if (!exists(path)) {
		if (hasten > 0)
			inst->settings.hasten = hasten;
		return warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
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
				status = warn(inst, err, MF_FLEE_LENIENT, path, key->line, key->column,
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

/* ---- locations.csv ---- */

static const char *const location_columns[8] = {
	"name", "region", "country", "lat", "lon", "location_type", "conflict_date", "population",
};

static bool contains(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = haystack; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static int parse_type(const char *text, enum mf_flee_location_type *type)
{
	if (contains(text, "camp"))
		*type = contains(text, "idp") ? MF_FLEE_IDP_CAMP : MF_FLEE_CAMP;
	else if (contains(text, "conflict"))
		*type = MF_FLEE_CONFLICT;
	else if (contains(text, "forward"))
		*type = MF_FLEE_FORWARD;
	else if (contains(text, "marker"))
		*type = MF_FLEE_MARKER;
	else if (contains(text, "flood_zone"))
		*type = MF_FLEE_FLOOD_ZONE;
	else if (contains(text, "town") || contains(text, "default"))
		*type = MF_FLEE_TOWN;
	else
		return -1;
	return 0;
}

/* The movechance a location starts with, FLEE's rule for auto camps. */
static double initial_movechance(const struct mf_flee_settings *s, enum mf_flee_location_type type,
				 bool starts_conflict)
{
	switch (type) {
	case MF_FLEE_CAMP: return s->camp_movechance;
	case MF_FLEE_IDP_CAMP: return s->idpcamp_movechance;
	case MF_FLEE_CONFLICT: return starts_conflict ? s->conflict_movechance : s->default_movechance;
	case MF_FLEE_FORWARD:
	case MF_FLEE_MARKER: return 1.0;
	default: return s->default_movechance;
	}
}

/* Column names of a '#' header row beyond the fixed ones. */
struct header {
	int n;
	char **names;
};

static void header_free(struct header *h)
{
	for (int i = 0; i < h->n; i++)
		free(h->names[i]);
	free(h->names);
	h->n = 0;
	h->names = NULL;
}

static enum mf_status header_read(struct header *h, const struct mf_csv *csv, int fixed,
				  struct mf_error *err)
{
	if (mf_csv_count(csv) <= fixed)
		return MF_OK;
	header_free(h);
	int n = mf_csv_count(csv) - fixed;
	h->names = calloc((size_t)n, sizeof(*h->names));
	if (!h->names)
		return no_memory(err);
	h->n = n;
	for (int i = 0; i < n; i++)
		if (!(h->names[i] = copy_text(mf_csv_field(csv, fixed + i))))
			return no_memory(err);
	return MF_OK;
}

/* Column of the named attribute, or -1. */
static int header_find(const struct header *h, int fixed, const char *name)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->names[i], name) == 0)
			return fixed + i;
	return -1;
}

static enum mf_status add_country(struct mf_flee_instance *inst, const char *name, int *index,
				  struct mf_error *err)
{
	*index = country_index(inst, name);
	if (*index >= 0)
		return MF_OK;
	char **bigger = realloc(inst->countries, (size_t)(inst->n_countries + 1) * sizeof(*bigger));
	if (!bigger)
		return no_memory(err);
	inst->countries = bigger;
	if (!(inst->countries[inst->n_countries] = copy_text(name)))
		return no_memory(err);
	*index = inst->n_countries++;
	return MF_OK;
}

static enum mf_status read_location_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
					const struct header *header, struct mf_error *err)
{
	const struct mf_flee_settings *s = &inst->settings;
	if (mf_csv_count(csv) < 8)
		return cell_error(csv, mf_csv_count(csv), location_columns[mf_csv_count(csv)], err,
				  "expected at least 8 columns (name, region, country, lat, lon, "
				  "location_type, conflict_date, population), got %d",
				  mf_csv_count(csv));
	if (inst->n_locations >= LOCATIONS_MAX)
		return cell_error(csv, 0, "name", err, "more than %d locations", LOCATIONS_MAX);
	if (grow((void **)&inst->locations, inst->n_locations, sizeof(*inst->locations), err) != MF_OK)
		return err->code;
	const char *name = mf_csv_field(csv, 0);
	if (!name[0])
		return cell_error(csv, 0, "name", err, "empty location name");
	int other = mf_flee_location_index(inst, name);
	if (other >= 0)
		return cell_error(csv, 0, "name", err, "location '%s' given twice (first on line %d)", name,
				  inst->locations[other].line);
	struct mf_flee_location *loc = &inst->locations[inst->n_locations];
	memset(loc, 0, sizeof(*loc));
	loc->line = mf_csv_line(csv);
	const char *region = mf_csv_field(csv, 1), *country = mf_csv_field(csv, 2);
	if (!(loc->name = copy_text(name)) || !(loc->region = copy_text(region[0] ? region : "unknown")) ||
	    !(loc->country = copy_text(country[0] ? country : "unknown"))) {
		inst->n_locations++; /* so that destroy frees what was copied */
		return no_memory(err);
	}
	inst->n_locations++;
	if (add_country(inst, loc->country, &loc->country_index, err) != MF_OK)
		return err->code;
	loc->foreign = loc->country_index != inst->locations[0].country_index;
	if (cell_number(csv, 3, "lat", -1e9, 1e9, true, 0, &loc->x, err) != MF_OK ||
	    cell_number(csv, 4, "lon", -1e9, 1e9, true, 0, &loc->y, err) != MF_OK)
		return err->code;
	if (parse_type(mf_csv_field(csv, 5), &loc->type) < 0)
		return cell_error(csv, 5, "location_type", err,
				  "unknown location type '%s'; expected one containing camp, idpcamp, "
				  "conflict, forward, marker, flood_zone, town or default",
				  mf_csv_field(csv, 5));
	long number;
	loc->conflict_date = -1;
	if (loc->type == MF_FLEE_CONFLICT) {
		if (cell_long(csv, 6, "conflict_date", -1000000, 1000000, true, 0, &number, err) != MF_OK)
			return err->code;
		loc->conflict_date = (int)number;
	}
	if (cell_long(csv, 7, "population", 0, 4000000000L, true, 0, &number, err) != MF_OK)
		return err->code;
	double scaled = (double)(number / s->hasten);
	loc->conflict_intensity = 1;
	int c;
	if ((c = header_find(header, 8, "conflict_intensity")) >= 0 && c < mf_csv_count(csv) &&
	    cell_number(csv, c, "conflict_intensity", 0, 1e9, true, 1, &loc->conflict_intensity, err) != MF_OK)
		return err->code;
	double per_day = 0;
	if ((c = header_find(header, 8, "capacity_per_day")) >= 0 && c < mf_csv_count(csv)) {
		if (cell_number(csv, c, "capacity_per_day", 0, 1e10, true, 0, &per_day, err) != MF_OK)
			return err->code;
		loc->capacity_per_day = per_day / s->hasten;
	}
	if ((c = header_find(header, 8, "initial_idps")) >= 0 && c < mf_csv_count(csv) &&
	    cell_long(csv, c, "initial_idps", 0, 1000000000L, true, 0, &loc->initial_idps, err) != MF_OK)
		return err->code;
	if ((c = header_find(header, 8, "deactivation_probability")) >= 0 && c < mf_csv_count(csv) &&
	    cell_number(csv, c, "deactivation_probability", 0, 1, true, 0, &loc->deactivation_probability,
			err) != MF_OK)
		return err->code;
	loc->camp = loc->type == MF_FLEE_CAMP || loc->type == MF_FLEE_IDP_CAMP;
	if (loc->camp) {
		loc->capacity = scaled;
	} else {
		loc->population = scaled;
		loc->capacity = -1;
		/* FLEE turns a non-camp a person leaves with less than 0.5% a
		 * day into a camp (it keeps no capacity). */
		bool starts_conflict = loc->type == MF_FLEE_CONFLICT && loc->conflict_date <= 0;
		if (initial_movechance(s, loc->type, starts_conflict) < 0.005 &&
		    loc->type != MF_FLEE_FLOOD_ZONE)
			loc->camp = true;
	}
	return MF_OK;
}

typedef enum mf_status (*row_reader)(struct mf_flee_instance *inst, const struct mf_csv *csv,
				     const struct header *header, struct mf_error *err);

/* A table of input_csv/: comment rows name its columns (n_known of them
 * known), each data row goes to read_row. */
static enum mf_status read_table(struct mf_flee_instance *inst, const char *file, int n_known,
				 row_reader read_row, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", file);
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	struct header header = {0};
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			status = header_read(&header, csv, n_known, err);
		else
			status = read_row(inst, csv, &header, err);
		if (status != MF_OK)
			break;
	}
	if (status == MF_OK && row < 0)
		status = err->code;
	header_free(&header);
	mf_csv_close(csv);
	return status;
}

static enum mf_status read_locations(struct mf_flee_instance *inst, struct mf_error *err)
{
	enum mf_status status = read_table(inst, "locations.csv", 8, read_location_row, err);
	if (status == MF_OK && inst->n_locations == 0) {
		char path[PATH_SIZE];
		join(path, inst->dir, "input_csv", "locations.csv");
		status = mf_error_at(err, path, 0, 0, "", "no locations");
	}
	return status;
}

/* ---- routes.csv ---- */

static const char *const route_columns[4] = {"name1", "name2", "distance", "forced_redirection"};

static enum mf_status read_route_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
				     const struct header *header, struct mf_error *err)
{
	if (mf_csv_count(csv) < 3)
		return cell_error(csv, mf_csv_count(csv), route_columns[mf_csv_count(csv)], err,
				  "expected at least 3 columns (name1, name2, distance), got %d",
				  mf_csv_count(csv));
	if (inst->n_routes >= ROUTES_MAX)
		return cell_error(csv, 0, "name1", err, "more than %d routes", ROUTES_MAX);
	if (grow((void **)&inst->routes, inst->n_routes, sizeof(*inst->routes), err) != MF_OK)
		return err->code;
	struct mf_flee_route *r = &inst->routes[inst->n_routes];
	memset(r, 0, sizeof(*r));
	r->line = mf_csv_line(csv);
	long forced = 0;
	if (cell_location(inst, csv, 0, "name1", &r->a, err) != MF_OK ||
	    cell_location(inst, csv, 1, "name2", &r->b, err) != MF_OK ||
	    cell_number(csv, 2, "distance", 1e-9, 1e9, false, 0, &r->distance_km, err) != MF_OK ||
	    cell_long(csv, 3, "forced_redirection", 0, 2, true, 0, &forced, err) != MF_OK)
		return err->code;
	if (r->a == r->b)
		return cell_error(csv, 1, "name2", err, "a route from '%s' to itself",
				  inst->locations[r->a].name);
	r->forced_redirection = (int)forced;
	int c;
	if ((c = header_find(header, 4, "max_move_speed")) >= 0 && c < mf_csv_count(csv) &&
	    cell_number(csv, c, "max_move_speed", 1e-6, 1e6, true, 0, &r->max_move_speed, err) != MF_OK)
		return err->code;
	if ((c = header_find(header, 4, "walk_probability")) >= 0 && c < mf_csv_count(csv) &&
	    cell_number(csv, c, "walk_probability", 0, 1, true, 0, &r->walk_probability, err) != MF_OK)
		return err->code;
	inst->n_routes++;
	return MF_OK;
}

static enum mf_status read_routes(struct mf_flee_instance *inst, struct mf_error *err)
{
	return read_table(inst, "routes.csv", 4, read_route_row, err);
}

/* ---- closures.csv ---- */

static const char *const closure_names[MF_FLEE_CLOSURE_TYPE_COUNT] = {
	"country", "location", "link", "camp", "idpcamp", "remove_forced_redirection",
};

static bool route_between(const struct mf_flee_instance *inst, int a, int b)
{
	for (int r = 0; r < inst->n_routes; r++)
		if ((inst->routes[r].a == a && inst->routes[r].b == b) ||
		    (inst->routes[r].a == b && inst->routes[r].b == a))
			return true;
	return false;
}

static enum mf_status read_closure_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
				       struct mf_error *err)
{
	static const char *const columns[5] = {"closure_type", "name1", "name2", "closure_start",
					       "closure_end"};
	if (mf_csv_count(csv) < 5)
		return cell_error(csv, mf_csv_count(csv), columns[mf_csv_count(csv)], err,
				  "expected 5 columns (closure_type, name1, name2, closure_start, "
				  "closure_end), got %d", mf_csv_count(csv));
	struct mf_flee_closure *c = &inst->closures[inst->n_closures];
	memset(c, 0, sizeof(*c));
	c->line = mf_csv_line(csv);
	c->b = -1;
	int type = -1;
	for (int t = 0; t < MF_FLEE_CLOSURE_TYPE_COUNT; t++)
		if (strcmp(mf_csv_field(csv, 0), closure_names[t]) == 0)
			type = t;
	if (type < 0)
		return cell_error(csv, 0, "closure_type", err,
				  "unknown closure type '%s'; expected country, location, link, camp, "
				  "idpcamp or remove_forced_redirection", mf_csv_field(csv, 0));
	c->type = (enum mf_flee_closure_type)type;
	long start, end;
	if (cell_long(csv, 3, "closure_start", 0, 1000000, false, 0, &start, err) != MF_OK ||
	    cell_long(csv, 4, "closure_end", -1000000, 1000000, false, 0, &end, err) != MF_OK)
		return err->code;
	c->start = (int)start;
	c->end = (int)end;
	switch (c->type) {
	case MF_FLEE_CLOSE_COUNTRY:
		for (int k = 1; k <= 2; k++) {
			int country = country_index(inst, mf_csv_field(csv, k));
			if (country < 0)
				return cell_error(csv, k, columns[k], err,
						  "no location in country '%s' in locations.csv",
						  mf_csv_field(csv, k));
			if (k == 1)
				c->a = country;
			else
				c->b = country;
		}
		break;
	case MF_FLEE_CLOSE_LINK:
	case MF_FLEE_REMOVE_FORCED_REDIRECTION:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK ||
		    cell_location(inst, csv, 2, "name2", &c->b, err) != MF_OK)
			return err->code;
		if (!route_between(inst, c->a, c->b))
			return cell_error(csv, 2, "name2", err, "no route between '%s' and '%s' in routes.csv",
					  mf_csv_field(csv, 1), mf_csv_field(csv, 2));
		break;
	case MF_FLEE_CLOSE_CAMP:
	case MF_FLEE_CLOSE_IDP_CAMP:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK)
			return err->code;
		if (!inst->locations[c->a].camp)
			return cell_error(csv, 1, "name1", err, "'%s' is not a camp", mf_csv_field(csv, 1));
		break;
	case MF_FLEE_CLOSE_LOCATION:
	default:
		if (cell_location(inst, csv, 1, "name1", &c->a, err) != MF_OK)
			return err->code;
		break;
	}
	inst->n_closures++;
	return MF_OK;
}

static enum mf_status read_closures(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", "closures.csv");
	if (!exists(path))
		return MF_OK;
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int capacity = 0, row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			continue;
		if (inst->n_closures == capacity) {
			capacity = capacity ? 2 * capacity : 16;
			struct mf_flee_closure *bigger =
				realloc(inst->closures, (size_t)capacity * sizeof(*bigger));
			if (!bigger) {
				status = no_memory(err);
				goto done;
			}
			inst->closures = bigger;
		}
		if ((status = read_closure_row(inst, csv, err)) != MF_OK)
			goto done;
	}
	if (row < 0)
		status = err->code;
done:
	mf_csv_close(csv);
	return status;
}

/* ---- conflicts.csv ---- */

/* The header: #Day, then location names (trimmed). FLEE keys its columns
 * by these names and looks up only the locations it has, so a name that is
 * no location is read and has no effect, and an empty cell (a trailing
 * comma) is skipped: both are warnings here and the column is not read.
 * column_of[k] is the CSV field of stored column k. */
static enum mf_status read_conflict_header(struct mf_flee_instance *inst, const struct mf_csv *csv,
					   int **column_of, struct mf_error *err)
{
	int n = mf_csv_count(csv) - 1;
	inst->conflict_location = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	*column_of = calloc((size_t)(n > 0 ? n : 1), sizeof(int));
	if (!inst->conflict_location || !*column_of)
		return no_memory(err);
	int used = 0;
	for (int c = 0; c < n; c++) {
		char name[1024];
		mf_csv_trimmed(csv, c + 1, name, sizeof(name));
		char field[96];
		snprintf(field, sizeof(field), "column %d", c + 2);
		int loc = mf_flee_location_index(inst, name);
		enum mf_status status = MF_OK;
		if (!name[0])
			status = warn_cell(inst, err, csv, c + 1, field,
					   "empty location name in the header: column ignored, as FLEE "
					   "skips it");
		else if (loc < 0)
			status = warn_cell(inst, err, csv, c + 1, field,
					   "column '%s' ignored: no such location in locations.csv (FLEE "
					   "reads it and never matches it)", name);
		if (status != MF_OK)
			return status;
		if (!name[0] || loc < 0)
			continue;
		for (int k = 0; k < used; k++)
			if (inst->conflict_location[k] == loc)
				return cell_error(csv, c + 1, field, err, "location '%s' given twice", name);
		inst->conflict_location[used] = loc;
		(*column_of)[used++] = c + 1;
	}
	inst->n_conflict_columns = used;
	return MF_OK;
}

/* One row of values: those of the columns read must be numbers; a row may
 * end before the header's ignored columns at its end, never go beyond the
 * header. */
static enum mf_status read_conflict_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
					const int *column_of, int header_count, int *capacity,
					struct mf_error *err)
{
	int n = inst->n_conflict_columns;
	int needed = n > 0 ? column_of[n - 1] + 1 : 1;
	int count = mf_csv_count(csv);
	if (count < needed || count > header_count)
		return cell_error(csv, count < needed ? count : header_count, "", err,
				  "expected %d values after the day (one per header column), got %d",
				  header_count - 1, count - 1);
	if (inst->conflict_days == *capacity) {
		*capacity = *capacity ? 2 * *capacity : 512;
		double *bigger = realloc(inst->conflict_value,
					 (size_t)*capacity * (size_t)(n > 0 ? n : 1) * sizeof(double));
		if (!bigger)
			return no_memory(err);
		inst->conflict_value = bigger;
	}
	double *values = inst->conflict_value + (size_t)inst->conflict_days * (size_t)n;
	for (int c = 0; c < n; c++) {
		const char *name = inst->locations[inst->conflict_location[c]].name;
		if (cell_number(csv, column_of[c], name, 0, 1e9, false, 0, &values[c], err) != MF_OK)
			return err->code;
	}
	inst->conflict_days++;
	return MF_OK;
}

static enum mf_status read_conflicts(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", "conflicts.csv");
	if (!exists(path))
		return warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
			    "no such file; conflict zones start on the conflict_date of locations.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int *column_of = NULL;
	int header_count = 0, capacity = 0, row, last_line = 0;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (!column_of) {
			header_count = mf_csv_count(csv);
			if ((status = read_conflict_header(inst, csv, &column_of, err)) != MF_OK)
				goto done;
			continue;
		}
		if (mf_csv_is_comment(csv))
			continue;
		last_line = mf_csv_line(csv);
		if ((status = read_conflict_row(inst, csv, column_of, header_count, &capacity, err)) != MF_OK)
			goto done;
	}
	if (row < 0) {
		status = err->code;
		goto done;
	}
	inst->has_conflicts = true;
	if (!column_of)
		status = mf_error_at(err, path, 0, 0, "", "no header row (#Day followed by location names)");
	else if (inst->conflict_days == 0)
		status = mf_error_at(err, path, 0, 0, "", "no day rows after the header");
	else if (inst->conflict_days < inst->length) {
		/* FLEE runs until the table runs out, then stops with an
		 * IndexError; a run here covers the days the table has. */
		status = warn(inst, err, MF_FLEE_LENIENT, path, last_line, 1, "",
			      "%d days of data, fewer than the %d days of sim_period.csv (row k after "
			      "the header is day k-1): runs cover days 0..%d only",
			      inst->conflict_days, inst->length, inst->conflict_days - 1);
		inst->run_days = inst->conflict_days;
	}
done:
	free(column_of);
	mf_csv_close(csv);
	return status;
}

/* ---- sim_period.csv ---- */

static enum mf_status read_period(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", "sim_period.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	bool has_start = false, has_length = false;
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_is_comment(csv))
			continue;
		const char *key = mf_csv_field(csv, 0);
		char value[NUMBER_SIZE];
		mf_csv_trimmed(csv, 1, value, sizeof(value));
		if (strcasecmp(key, "startdate") == 0) {
			if (!mf_date_parse(value, &inst->start)) {
				status = cell_error(csv, 1, "StartDate", err,
						    "expected a date YYYY-MM-DD, got '%s'", mf_csv_field(csv, 1));
				goto done;
			}
			has_start = true;
		} else if (strcasecmp(key, "length") == 0) {
			long length;
			if ((status = cell_long(csv, 1, "Length", 1, 60000, false, 0, &length, err)) != MF_OK)
				goto done;
			inst->length = inst->run_days = (int)length;
			has_length = true;
		} else {
			status = cell_error(csv, 0, "key", err, "unknown key '%s'; expected StartDate or Length",
					    key);
			goto done;
		}
	}
	if (row < 0)
		status = err->code;
	else if (!has_start || !has_length)
		status = mf_error_at(err, path, 0, 0, has_start ? "Length" : "StartDate", "missing");
done:
	mf_csv_close(csv);
	return status;
}

/* ---- source_data/: validation series ---- */

static void series_free(struct mf_flee_series *s)
{
	free(s->day);
	free(s->value);
	s->day = NULL;
	s->value = NULL;
	s->n = 0;
}

static enum mf_status series_add(struct mf_flee_series *s, int *capacity, int day, double value,
				 struct mf_error *err)
{
	if (s->n == *capacity) {
		*capacity = *capacity ? 2 * *capacity : 32;
		int *days = realloc(s->day, (size_t)*capacity * sizeof(int));
		if (days)
			s->day = days;
		double *values = realloc(s->value, (size_t)*capacity * sizeof(double));
		if (values)
			s->value = values;
		if (!days || !values)
			return no_memory(err);
	}
	s->day[s->n] = day;
	s->value[s->n] = value;
	s->n++;
	return MF_OK;
}

/* Reads one series file, FLEE's way: a first row whose first cell is Date,
 * DateTime or empty is a header; '#' rows, short rows and rows with an
 * empty count are skipped; counts are divided by hasten. A row whose date
 * is not after the previous row kept (a mistyped year, a repeat) is dropped
 * with a warning: FLEE reads it in place, which makes its interpolation
 * depend on the order of the rows. */
static enum mf_status read_series(struct mf_flee_instance *inst, const char *path,
				  struct mf_flee_series *s, struct mf_error *err)
{
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int capacity = 0, row;
	bool first = true;
	while ((row = mf_csv_next(csv, err)) == 1) {
		const char *date = mf_csv_field(csv, 0);
		if (first) {
			first = false;
			if (mf_csv_count(csv) < 2 || !date[0] || strcmp(date, "Date") == 0 ||
			    strcmp(date, "DateTime") == 0)
				continue;
		}
		if (mf_csv_count(csv) < 2 || mf_csv_is_comment(csv) || !mf_csv_field(csv, 1)[0])
			continue;
		int when;
		if (!mf_date_parse(date, &when)) {
			status = cell_error(csv, 0, "date", err, "expected a date YYYY-MM-DD, got '%s'", date);
			goto done;
		}
		double count;
		if ((status = cell_number(csv, 1, "count", 0, 1e12, false, 0, &count, err)) != MF_OK)
			goto done;
		int day = when - inst->start;
		if (s->n > 0 && day <= s->day[s->n - 1]) {
			char previous[16];
			mf_date_format(inst->start + s->day[s->n - 1], previous);
			if ((status = warn_cell(inst, err, csv, 0, "date",
						"%s is %s the date of the row before (%s): row dropped",
						date, day == s->day[s->n - 1] ? "the same as" : "before",
						previous)) != MF_OK)
				goto done;
			continue;
		}
		if ((status = series_add(s, &capacity, day, count / inst->settings.hasten, err)) != MF_OK)
			goto done;
	}
	if (row < 0)
		status = err->code;
	else if (s->n == 0)
		status = mf_error_at(err, path, 0, 0, "", "no data rows (YYYY-MM-DD,count)");
done:
	mf_csv_close(csv);
	return status;
}

/* FLEE's interpolation without the final truncation. */
static double series_exact(const struct mf_flee_series *s, double day)
{
	if (s->n == 0)
		return 0;
	if (day <= s->day[0])
		return s->value[0];
	for (int i = 1; i < s->n; i++)
		if (day < s->day[i]) {
			double fraction = (day - s->day[i - 1]) / (double)(s->day[i] - s->day[i - 1]);
			return s->value[i - 1] + fraction * (s->value[i] - s->value[i - 1]);
		}
	return s->value[s->n - 1];
}

long mf_flee_series_value(const struct mf_flee_series *s, int day)
{
	return (long)series_exact(s, day);
}

/* Sums series b into a: on the union of their dates, the sum of both
 * interpolated (FLEE sums such files for split camps). */
static enum mf_status series_sum(struct mf_flee_series *a, const struct mf_flee_series *b,
				 struct mf_error *err)
{
	struct mf_flee_series sum = {0};
	int capacity = 0, i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int day;
		if (j >= b->n || (i < a->n && a->day[i] <= b->day[j]))
			day = a->day[i];
		else
			day = b->day[j];
		while (i < a->n && a->day[i] == day)
			i++;
		while (j < b->n && b->day[j] == day)
			j++;
		if (series_add(&sum, &capacity, day, series_exact(a, day) + series_exact(b, day), err) != MF_OK) {
			series_free(&sum);
			return err->code;
		}
	}
	series_free(a);
	*a = sum;
	return MF_OK;
}

static enum mf_status read_layout_row(struct mf_flee_instance *inst, const struct mf_csv *csv,
				      bool first, struct mf_error *err)
{
	const char *label = mf_csv_field(csv, 0);
	struct mf_flee_series *series;
	if (first) {
		if (strcmp(label, "total") != 0)
			return cell_error(csv, 0, "label", err,
					  "the first row must be the total series (total,refugees.csv)");
		series = &inst->total;
	} else {
		/* FLEE reads every row; its spawning sums them all (with
		 * sum_from_camps) and it scores the camps its simulation has. */
		for (int c = 0; c < inst->n_camps; c++)
			if (strcmp(inst->camp_label[c], label) == 0)
				return cell_error(csv, 0, "label", err, "camp '%s' given twice", label);
		int loc = mf_flee_location_index(inst, label);
		enum mf_status status = MF_OK;
		if (loc < 0)
			status = warn_cell(inst, err, csv, 0, "label",
					   "no location named '%s' in locations.csv: not scored (its "
					   "series still drives spawning, as in FLEE)", label);
		else if (!inst->locations[loc].camp)
			status = warn_cell(inst, err, csv, 0, "label",
					   "'%s' is not a camp: not scored (its series still drives "
					   "spawning, as in FLEE)", label);
		if (status != MF_OK)
			return status;
		int c = inst->n_camps;
		inst->camp_location[c] = loc >= 0 && inst->locations[loc].camp ? loc : -1;
		if (!(inst->camp_label[c] = copy_text(label)))
			return no_memory(err);
		series = &inst->camp_series[c];
		memset(series, 0, sizeof(*series));
		inst->n_camps++;
	}
	for (int f = 1; f < mf_csv_count(csv); f++) {
		char path[PATH_SIZE];
		join(path, inst->dir, "source_data", mf_csv_field(csv, f));
		if (!mf_csv_field(csv, f)[0] || !exists(path))
			return cell_error(csv, f, "file", err, "no such file: %s", path);
		if (f == 1) {
			if (read_series(inst, path, series, err) != MF_OK)
				return err->code;
			continue;
		}
		struct mf_flee_series extra = {0};
		if (read_series(inst, path, &extra, err) != MF_OK || series_sum(series, &extra, err) != MF_OK) {
			series_free(&extra);
			return err->code;
		}
		series_free(&extra);
	}
	return MF_OK;
}

static enum mf_status read_layout(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "source_data", "data_layout.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	bool first = true;
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_count(csv) < 2 || mf_csv_is_comment(csv))
			continue;
		if (!first && ((status = grow((void **)&inst->camp_location, inst->n_camps,
					      sizeof(int), err)) != MF_OK ||
			       (status = grow((void **)&inst->camp_label, inst->n_camps,
					      sizeof(char *), err)) != MF_OK ||
			       (status = grow((void **)&inst->camp_series, inst->n_camps,
					      sizeof(*inst->camp_series), err)) != MF_OK))
			goto done;
		if ((status = read_layout_row(inst, csv, first, err)) != MF_OK)
			goto done;
		first = false;
	}
	if (row < 0) {
		status = err->code;
		goto done;
	}
	if (first) {
		status = mf_error_at(err, path, 0, 0, "", "no rows; the first must be total,refugees.csv");
		goto done;
	}
	for (int l = 0; l < inst->n_locations; l++) {
		if (!inst->locations[l].camp)
			continue;
		bool found = false;
		for (int c = 0; c < inst->n_camps; c++)
			found |= inst->camp_location[c] == l;
		if (!found) {
			status = mf_error_at(err, path, 0, 0, "label",
					     "camp '%s' (locations.csv line %d) has no row; every camp needs "
					     "its validation series", inst->locations[l].name,
					     inst->locations[l].line);
			goto done;
		}
	}
done:
	mf_csv_close(csv);
	return status;
}

/* registration_corrections.csv: at the data point dated `date`, every
 * earlier point is multiplied by (value there / value of the point before). */
static enum mf_status read_corrections(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", "registration_corrections.csv");
	if (!exists(path))
		return MF_OK;
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_count(csv) < 2 || mf_csv_is_comment(csv))
			continue;
		const char *name = mf_csv_field(csv, 0);
		struct mf_flee_series *s = NULL;
		if (strcmp(name, "total") == 0) {
			s = &inst->total;
		} else {
			for (int c = 0; c < inst->n_camps; c++)
				if (strcmp(inst->camp_label[c], name) == 0)
					s = &inst->camp_series[c];
		}
		if (!s) {
			status = cell_error(csv, 0, "name", err,
					    "'%s' has no validation series in source_data/data_layout.csv", name);
			goto done;
		}
		int when;
		if (!mf_date_parse(mf_csv_field(csv, 1), &when)) {
			status = cell_error(csv, 1, "date", err, "expected a date YYYY-MM-DD, got '%s'",
					    mf_csv_field(csv, 1));
			goto done;
		}
		int day = when - inst->start;
		if (day < 0)
			continue; /* before StartDate: ignored */
		int at = -1;
		for (int i = 0; i < s->n; i++)
			if (s->day[i] == day)
				at = i;
		if (at < 0) {
			status = cell_error(csv, 1, "date", err,
					    "%s is not a date of %s's validation series; a correction "
					    "must name the first individual-level data point",
					    mf_csv_field(csv, 1), name);
			goto done;
		}
		if (at == 0)
			continue;
		if (!(s->value[at - 1] > 0)) {
			status = cell_error(csv, 1, "date", err,
					    "the data point before %s is 0: no ratio to scale by",
					    mf_csv_field(csv, 1));
			goto done;
		}
		double factor = s->value[at] / s->value[at - 1];
		for (int i = 0; i < at; i++)
			s->value[i] *= factor;
	}
	if (row < 0)
		status = err->code;
done:
	mf_csv_close(csv);
	return status;
}

long mf_flee_camp_data(const struct mf_flee_instance *inst, int camp, int day)
{
	long value = mf_flee_series_value(&inst->camp_series[camp], day);
	if (inst->settings.empty_camps_on_day0)
		value -= mf_flee_series_value(&inst->camp_series[camp], 0);
	return value;
}

/* Optional FLEE inputs this rule set does not read. */
static enum mf_status note_unused(struct mf_flee_instance *inst, struct mf_error *err)
{
	static const char *const unused[] = {
		"region_attributes_IPC.csv", "major_routes.csv", "agents.csv", "flood_level.csv",
		"location_changes.csv",
	};
	char path[PATH_SIZE];
	for (size_t i = 0; i < sizeof(unused) / sizeof(*unused); i++) {
		join(path, inst->dir, "input_csv", unused[i]);
		if (exists(path) && warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
					 "not used by migflow's FLEE rule set") != MF_OK)
			return err->code;
	}
	join(path, inst->dir, "input_csv", "demographics_age.csv");
	bool demographics = exists(path);
	join(path, inst->dir, "input_csv", "demographics_gender.csv");
	demographics |= exists(path);
	if (!demographics)
		return MF_OK;
	join(path, inst->dir, "input_csv", "demographics_*.csv");
	return warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
		    "agent attributes are not used by the rules migflow implements; ignored");
}

static enum mf_status load(struct mf_flee_instance *inst, const char *dir, int hasten,
			   struct mf_error *err)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(inst->dir = malloc(n + 1)))
		return no_memory(err);
	memcpy(inst->dir, dir, n);
	inst->dir[n] = '\0';
	const char *base = strrchr(inst->dir, '/');
	if (!(inst->name = copy_text(base ? base + 1 : inst->dir)))
		return no_memory(err);
	char path[PATH_SIZE];
	join(path, inst->dir, "input_csv", "");
	if (!exists(path)) {
		mf_error_at(err, inst->dir, 0, 0, "", "not a FLEE instance: no input_csv/ directory");
		return MF_ERR_INPUT;
	}
	enum mf_status status;
	if ((status = read_settings(inst, hasten, err)) != MF_OK ||
	    (status = read_period(inst, err)) != MF_OK ||
	    (status = read_locations(inst, err)) != MF_OK ||
	    (status = read_routes(inst, err)) != MF_OK ||
	    (status = read_closures(inst, err)) != MF_OK ||
	    (status = read_conflicts(inst, err)) != MF_OK ||
	    (status = read_layout(inst, err)) != MF_OK ||
	    (status = read_corrections(inst, err)) != MF_OK)
		return status;
	return note_unused(inst, err);
}

struct mf_flee_instance *mf_flee_load_with(const char *dir, const struct mf_flee_load_options *options,
					   struct mf_error *err)
{
	static const struct mf_flee_load_options defaults = {0};
	if (!options)
		options = &defaults;
	struct mf_flee_instance *inst = calloc(1, sizeof(*inst));
	if (!inst) {
		no_memory(err);
		return NULL;
	}
	inst->strict = options->strict;
	if (load(inst, dir, options->hasten, err) != MF_OK) {
		mf_flee_destroy(inst);
		return NULL;
	}
	return inst;
}

struct mf_flee_instance *mf_flee_load_scaled(const char *dir, int hasten, struct mf_error *err)
{
	struct mf_flee_load_options options = {.hasten = hasten};
	return mf_flee_load_with(dir, &options, err);
}

struct mf_flee_instance *mf_flee_load(const char *dir, struct mf_error *err)
{
	return mf_flee_load_with(dir, NULL, err);
}

void mf_flee_destroy(struct mf_flee_instance *inst)
{
	if (!inst)
		return;
	for (int i = 0; i < inst->n_locations; i++) {
		free(inst->locations[i].name);
		free(inst->locations[i].region);
		free(inst->locations[i].country);
	}
	for (int i = 0; i < inst->n_countries; i++)
		free(inst->countries[i]);
	for (int i = 0; i < inst->n_warnings; i++) {
		free(inst->warnings[i].file);
		free(inst->warnings[i].field);
		free(inst->warnings[i].message);
	}
	for (int c = 0; c < inst->n_camps; c++) {
		series_free(&inst->camp_series[c]);
		free(inst->camp_label[c]);
	}
	free(inst->camp_label);
	series_free(&inst->total);
	free(inst->locations);
	free(inst->routes);
	free(inst->closures);
	free(inst->countries);
	free(inst->warnings);
	free(inst->conflict_location);
	free(inst->conflict_value);
	free(inst->camp_location);
	free(inst->camp_series);
	free(inst->dir);
	free(inst->name);
	free(inst);
}
