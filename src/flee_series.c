/* Reading a FLEE instance's validation data: the series of source_data/
 * (data_layout.csv names them: the total, then one per camp, files of a
 * split camp summed), their registration corrections
 * (input_csv/registration_corrections.csv), and their values on a day as
 * FLEE interpolates them (mf_flee_series_value, mf_flee_camp_data). */
#include "migflow/flee.h"

#include <stdlib.h>
#include <string.h>

#include "migflow/date.h"
#include "flee_load.h"

void flee_series_free(struct mf_flee_series *s)
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
			return flee_no_memory(err);
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
			status = flee_cell_error(csv, 0, "date", err, "expected a date YYYY-MM-DD, got '%s'", date);
			goto done;
		}
		double count;
		if ((status = flee_cell_number(csv, 1, "count", 0, 1e12, false, 0, &count, err)) != MF_OK)
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
			flee_series_free(&sum);
			return err->code;
		}
	}
	flee_series_free(a);
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
			return flee_cell_error(csv, 0, "label", err,
					  "the first row must be the total series (total,refugees.csv)");
		series = &inst->total;
	} else {
		/* FLEE reads every row; its spawning sums them all (with
		 * sum_from_camps) and it scores the camps its simulation has. */
		for (int c = 0; c < inst->n_camps; c++)
			if (strcmp(inst->camp_label[c], label) == 0)
				return flee_cell_error(csv, 0, "label", err, "camp '%s' given twice", label);
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
		if (!(inst->camp_label[c] = flee_copy_text(label)))
			return flee_no_memory(err);
		series = &inst->camp_series[c];
		memset(series, 0, sizeof(*series));
		inst->n_camps++;
	}
	for (int f = 1; f < mf_csv_count(csv); f++) {
		char path[PATH_SIZE];
		flee_join(path, inst->dir, "source_data", mf_csv_field(csv, f));
		if (!mf_csv_field(csv, f)[0] || !flee_exists(path))
			return flee_cell_error(csv, f, "file", err, "no such file: %s", path);
		if (f == 1) {
			if (read_series(inst, path, series, err) != MF_OK)
				return err->code;
			continue;
		}
		struct mf_flee_series extra = {0};
		if (read_series(inst, path, &extra, err) != MF_OK || series_sum(series, &extra, err) != MF_OK) {
			flee_series_free(&extra);
			return err->code;
		}
		flee_series_free(&extra);
	}
	return MF_OK;
}

enum mf_status flee_read_layout(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "source_data", "data_layout.csv");
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_flee, err);
	if (!csv)
		return err->code;
	enum mf_status status = MF_OK;
	bool first = true;
	int row;
	while ((row = mf_csv_next(csv, err)) == 1) {
		if (mf_csv_count(csv) < 2 || mf_csv_is_comment(csv))
			continue;
		if (!first && ((status = flee_grow((void **)&inst->camp_location, inst->n_camps,
					      sizeof(int), err)) != MF_OK ||
			       (status = flee_grow((void **)&inst->camp_label, inst->n_camps,
					      sizeof(char *), err)) != MF_OK ||
			       (status = flee_grow((void **)&inst->camp_series, inst->n_camps,
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

enum mf_status flee_read_corrections(struct mf_flee_instance *inst, struct mf_error *err)
{
	char path[PATH_SIZE];
	flee_join(path, inst->dir, "input_csv", "registration_corrections.csv");
	if (!flee_exists(path))
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
			status = flee_cell_error(csv, 0, "name", err,
					    "'%s' has no validation series in source_data/data_layout.csv", name);
			goto done;
		}
		int when;
		if (!mf_date_parse(mf_csv_field(csv, 1), &when)) {
			status = flee_cell_error(csv, 1, "date", err, "expected a date YYYY-MM-DD, got '%s'",
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
			status = flee_cell_error(csv, 1, "date", err,
					    "%s is not a date of %s's validation series; a correction "
					    "must name the first individual-level data point",
					    mf_csv_field(csv, 1), name);
			goto done;
		}
		if (at == 0)
			continue;
		if (!(s->value[at - 1] > 0)) {
			status = flee_cell_error(csv, 1, "date", err,
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
