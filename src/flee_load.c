/* Reading a FLEE instance: input_csv/, source_data/ and simsetting.yml.
 * This file holds the entry points (mf_flee_load*, mf_flee_destroy), the
 * order of reading and the helpers every reader shares (flee_load.h); the
 * readers are flee_settings.c, flee_tables.c and flee_series.c.
 *
 * The order matters: the settings first (hasten scales populations and the
 * validation data), then the network (locations, routes), then what refers
 * to it by name (closures, conflicts), then the period and the validation
 * data with its registration corrections. */
#include "migflow/flee.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flee_load.h"
#include "text.h"

/* ---- small helpers ---- */

char *flee_copy_text(const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	if (copy)
		memcpy(copy, text, n + 1);
	return copy;
}

enum mf_status flee_no_memory(struct mf_error *err)
{
	return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading the FLEE instance");
}

enum mf_status flee_grow(void **array, int n, size_t size, struct mf_error *err)
{
	if (n != 0 && (n < 64 || (n & (n - 1)) != 0))
		return MF_OK;
	void *bigger = realloc(*array, (size_t)(n ? 2 * n : 64) * size);
	if (!bigger)
		return flee_no_memory(err);
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

enum mf_status flee_warn(struct mf_flee_instance *inst, struct mf_error *err,
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
		return flee_no_memory(err);
	inst->warnings = bigger;
	struct mf_flee_warning *w = &inst->warnings[inst->n_warnings];
	*w = (struct mf_flee_warning){.kind = kind, .line = line, .column = column};
	w->file = flee_copy_text(file);
	w->field = flee_copy_text(field);
	w->message = flee_copy_text(text);
	inst->n_warnings++;
	if (!w->file || !w->field || !w->message)
		return flee_no_memory(err);
	return MF_OK;
}

enum mf_status flee_cell_error(const struct mf_csv *csv, int i, const char *field,
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

enum mf_status flee_cell_number(const struct mf_csv *csv, int i, const char *field,
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
		return flee_cell_error(csv, i, field, err, "expected a number, got '%s'", mf_csv_field(csv, i));
	if (*value < min || *value > max)
		return flee_cell_error(csv, i, field, err, "expected a number in [%g, %g], got %s", min, max, buf);
	return MF_OK;
}

void flee_join(char *out, const char *dir, const char *sub, const char *name)
{
	snprintf(out, PATH_SIZE, "%s/%s%s%s", dir, sub, *sub ? "/" : "", name);
}

bool flee_exists(const char *path)
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

/* ---- loading ---- */

/* Optional FLEE inputs this rule set does not read. */
static enum mf_status note_unused(struct mf_flee_instance *inst, struct mf_error *err)
{
	static const char *const unused[] = {
		"region_attributes_IPC.csv", "major_routes.csv", "agents.csv", "flood_level.csv",
		"location_changes.csv",
	};
	char path[PATH_SIZE];
	for (size_t i = 0; i < sizeof(unused) / sizeof(*unused); i++) {
		flee_join(path, inst->dir, "input_csv", unused[i]);
		if (flee_exists(path) && flee_warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
					 "not used by migflow's FLEE rule set") != MF_OK)
			return err->code;
	}
	flee_join(path, inst->dir, "input_csv", "demographics_age.csv");
	bool demographics = flee_exists(path);
	flee_join(path, inst->dir, "input_csv", "demographics_gender.csv");
	demographics |= flee_exists(path);
	if (!demographics)
		return MF_OK;
	flee_join(path, inst->dir, "input_csv", "demographics_*.csv");
	return flee_warn(inst, err, MF_FLEE_UNUSED, path, 0, 0, "",
		    "agent attributes are not used by the rules migflow implements; ignored");
}

static enum mf_status load(struct mf_flee_instance *inst, const char *dir, int hasten,
			   struct mf_error *err)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (!(inst->dir = malloc(n + 1)))
		return flee_no_memory(err);
	memcpy(inst->dir, dir, n);
	inst->dir[n] = '\0';
	const char *base = strrchr(inst->dir, '/');
	if (!(inst->name = flee_copy_text(base ? base + 1 : inst->dir)))
		return flee_no_memory(err);
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", "");
	if (!flee_exists(path)) {
		mf_error_at(err, inst->dir, 0, 0, "", "not a FLEE instance: no input_csv/ directory");
		return MF_ERR_INPUT;
	}
	enum mf_status status;
	if ((status = flee_read_settings(inst, hasten, err)) != MF_OK ||
	    (status = flee_read_period(inst, err)) != MF_OK ||
	    (status = flee_read_locations(inst, err)) != MF_OK ||
	    (status = flee_read_routes(inst, err)) != MF_OK ||
	    (status = flee_read_closures(inst, err)) != MF_OK ||
	    (status = flee_read_conflicts(inst, err)) != MF_OK ||
	    (status = flee_read_layout(inst, err)) != MF_OK ||
	    (status = flee_read_corrections(inst, err)) != MF_OK)
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
		flee_no_memory(err);
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
		flee_series_free(&inst->camp_series[c]);
		free(inst->camp_label[c]);
	}
	free(inst->camp_label);
	flee_series_free(&inst->total);
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
