/* Small tables along a new dimension (calibration, batch members) and
 * global text attributes, written into an open run or batch file. */
#include "output_private.h"

#include <string.h>

/* A name HDF5 and netCDF take for a variable, dimension or attribute. */
static bool valid_name(const char *name)
{
	return name && name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strlen(name) < 256;
}

/* Whether the root of the file has a link called name (-1 on failure). */
static int has_link(struct mf_output *out, const char *name)
{
	htri_t found = H5Lexists(out->file, name, H5P_DEFAULT);
	return found < 0 ? -1 : found > 0;
}

static enum mf_status check_table(struct mf_output *out,
				  const struct mf_table *table,
				  struct mf_error *err)
{
	if (!table || !valid_name(table->dimension) || !table->long_name ||
	    table->n_rows < 0 || table->n_columns < 0 ||
	    (table->n_rows > 0 && !table->labels) ||
	    (table->n_columns > 0 && !table->columns))
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: malformed table '%s'",
				    table && table->dimension ? table->dimension : "");
	for (int i = 0; i < table->n_rows; i++)
		if (!table->labels[i])
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': row %d has no label",
					    table->dimension, i);
	const char *names[1 + 256];
	if (table->n_columns > 256)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: table '%s': more than 256 columns",
				    table->dimension);
	names[0] = table->dimension;
	for (int c = 0; c < table->n_columns; c++) {
		const struct mf_table_column *column = &table->columns[c];
		bool number = column->kind == MF_COLUMN_NUMBER;
		if (!valid_name(column->name) || !column->long_name ||
		    (column->kind != MF_COLUMN_NUMBER && column->kind != MF_COLUMN_TEXT) ||
		    (table->n_rows > 0 && number && !column->numbers) ||
		    (table->n_rows > 0 && !number && !column->texts))
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': malformed column %d ('%s')",
					    table->dimension, c,
					    column->name ? column->name : "");
		for (int i = 0; !number && i < table->n_rows; i++)
			if (!column->texts[i])
				return mf_error_set(err, MF_ERR_INTERNAL,
						    "output: table '%s': column '%s' has no text in row %d",
						    table->dimension, column->name, i);
		names[c + 1] = column->name;
	}
	for (int i = 0; i <= table->n_columns; i++) {
		for (int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return mf_error_set(err, MF_ERR_INTERNAL,
						    "output: table '%s': name '%s' used twice",
						    table->dimension, names[i]);
		int found = has_link(out, names[i]);
		if (found < 0)
			return mf_output_fail(err, out, "look for", names[i]);
		if (found)
			return mf_error_set(err, MF_ERR_INTERNAL,
					    "output: table '%s': '%s' is already in the file",
					    table->dimension, names[i]);
	}
	return MF_OK;
}

static enum mf_status write_column(struct mf_output *out,
				   const struct mf_table *table,
				   const struct mf_table_column *column,
				   hid_t scale, hid_t string, struct mf_error *err)
{
	hsize_t size = (hsize_t)table->n_rows;
	bool number = column->kind == MF_COLUMN_NUMBER;
	enum mf_status status = MF_OK;
	hid_t dataset = mf_h5_create_dataset(out->file, column->name,
					     number ? H5T_IEEE_F64LE : string, 1, &size,
					     NULL, !number);
	if (dataset < 0)
		return mf_output_fail(err, out, "create", column->name);
	if (mf_h5_write_all(dataset, number ? H5T_NATIVE_DOUBLE : string,
			    (size_t)table->n_rows,
			    number ? (const void *)column->numbers
				   : (const void *)column->texts) < 0 ||
	    H5DSattach_scale(dataset, scale, 0) < 0 ||
	    mf_h5_put_names(dataset, column->long_name, column->units) < 0)
		status = mf_output_fail(err, out, "write", column->name);
	if (H5Dclose(dataset) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", column->name);
	return status;
}

static enum mf_status write_user_table(struct mf_output *out,
				       const struct mf_table *table,
				       struct mf_error *err)
{
	enum mf_status status = check_table(out, table, err);
	if (status != MF_OK)
		return status;
	hsize_t size = (hsize_t)table->n_rows;
	hid_t string = mf_h5_string_type();
	if (string < 0)
		return mf_output_fail(err, out, "make the string type for", table->dimension);
	hid_t scale = mf_h5_create_dataset(out->file, table->dimension, string, 1, &size,
					   NULL, true);
	if (scale < 0) {
		status = mf_output_fail(err, out, "create", table->dimension);
		goto close_string;
	}
	if (H5DSset_scale(scale, table->dimension) < 0 ||
	    mf_h5_write_all(scale, string, (size_t)table->n_rows, table->labels) < 0 ||
	    mf_h5_put_names(scale, table->long_name, NULL) < 0) {
		status = mf_output_fail(err, out, "write", table->dimension);
		goto close_scale;
	}
	for (int c = 0; c < table->n_columns && status == MF_OK; c++)
		status = write_column(out, table, &table->columns[c], scale, string, err);
close_scale:
	if (H5Dclose(scale) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", table->dimension);
close_string:
	if (H5Tclose(string) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close the string type for", table->dimension);
	return status;
}

static enum mf_status table_step(struct mf_output *out, const void *arg,
				 struct mf_error *err)
{
	return write_user_table(out, arg, err);
}

enum mf_status mf_output_add_table(struct mf_output *out,
				   const struct mf_table *table,
				   struct mf_error *err)
{
	return mf_output_guarded(out, err, table_step, table);
}

struct text_attribute {
	const char *name, *value;
};

static enum mf_status text_attribute_step(struct mf_output *out, const void *arg,
					  struct mf_error *err)
{
	const struct text_attribute *attribute = arg;
	if (!valid_name(attribute->name) || !attribute->value)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: malformed attribute '%s'",
				    attribute->name ? attribute->name : "");
	htri_t found = H5Aexists(out->file, attribute->name);
	if (found < 0)
		return mf_output_fail(err, out, "look for attribute", attribute->name);
	if (found > 0)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: attribute '%s' is already in the file",
				    attribute->name);
	if (mf_h5_put_string_attr(out->file, attribute->name, attribute->value) < 0)
		return mf_output_fail(err, out, "write attribute", attribute->name);
	return MF_OK;
}

enum mf_status mf_output_add_text_attribute(struct mf_output *out,
					    const char *name, const char *value,
					    struct mf_error *err)
{
	struct text_attribute attribute = {name, value};
	return mf_output_guarded(out, err, text_attribute_step, &attribute);
}
