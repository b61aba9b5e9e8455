/* Reading a FLEE instance (migflow/flee.h), one job per file, behind this
 * private header:
 *
 *   flee_load.c      mf_flee_load* and mf_flee_destroy, the order of
 *                    reading, the optional files not used, and the helpers
 *                    below that every reader shares
 *   flee_settings.c  simsetting.yml (FLEE's defaults, the table of keys),
 *                    mf_flee_setting*
 *   flee_tables.c    the tables of input_csv/: locations.csv, routes.csv,
 *                    closures.csv, conflicts.csv, sim_period.csv
 *   flee_series.c    the validation data: source_data/ (data_layout.csv and
 *                    its series), registration_corrections.csv,
 *                    mf_flee_series_value, mf_flee_camp_data
 *
 * The readers return MF_OK, or a status with err filled (file:line:column
 * and the column or key). These names are the library's own: not exported
 * from the shared library (libmigflow.map exports mf_* only). */
#ifndef MF_FLEE_LOAD_H
#define MF_FLEE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "migflow/flee.h"
#include "csv.h"

#define PATH_SIZE 1024
#define NUMBER_SIZE 64

/* flee_load.c: helpers */

char *flee_copy_text(const char *text);

enum mf_status flee_no_memory(struct mf_error *err);

/* Makes room for element n of *array. Arrays grow to 64, 128, 256, ...
 * elements, so room is needed when n is 0 or such a power of two. */
enum mf_status flee_grow(void **array, int n, size_t size, struct mf_error *err);

/* Records a warning for the caller: something FLEE runs with that is read
 * leniently (an error instead when loading strictly), or something not
 * used. */
enum mf_status flee_warn(struct mf_flee_instance *inst, struct mf_error *err,
			 enum mf_flee_warning_kind kind, const char *file, int line, int column,
			 const char *field, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* A warning at field i of the current CSV row. */
#define warn_cell(inst, err, csv, i, field, ...)                                                  \
	flee_warn(inst, err, MF_FLEE_LENIENT, mf_csv_path(csv), mf_csv_line(csv),                 \
		  mf_csv_column(csv, i), field, __VA_ARGS__)

/* Error at field i of the current row, named field. */
enum mf_status flee_cell_error(const struct mf_csv *csv, int i, const char *field,
			       struct mf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* A number in field i (blanks around it allowed, as Python's float()). An
 * empty field gives fallback when allow_empty, else an error. */
enum mf_status flee_cell_number(const struct mf_csv *csv, int i, const char *field,
				double min, double max, bool allow_empty, double fallback,
				double *value, struct mf_error *err);

/* out (PATH_SIZE bytes) = dir/sub/name, or dir/name when sub is "". */
void flee_join(char *out, const char *dir, const char *sub, const char *name);

bool flee_exists(const char *path);

/* flee_settings.c */

enum mf_status flee_read_settings(struct mf_flee_instance *inst, int hasten, struct mf_error *err);

/* flee_tables.c */

enum mf_status flee_read_period(struct mf_flee_instance *inst, struct mf_error *err);
enum mf_status flee_read_locations(struct mf_flee_instance *inst, struct mf_error *err);
enum mf_status flee_read_routes(struct mf_flee_instance *inst, struct mf_error *err);
enum mf_status flee_read_closures(struct mf_flee_instance *inst, struct mf_error *err);
enum mf_status flee_read_conflicts(struct mf_flee_instance *inst, struct mf_error *err);

/* flee_series.c */

void flee_series_free(struct mf_flee_series *s);

enum mf_status flee_read_layout(struct mf_flee_instance *inst, struct mf_error *err);

/* registration_corrections.csv: at the data point dated `date`, every
 * earlier point is multiplied by (value there / value of the point before). */
enum mf_status flee_read_corrections(struct mf_flee_instance *inst, struct mf_error *err);

#endif
