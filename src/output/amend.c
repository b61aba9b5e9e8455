/* Results written into a finished run file (mf_output_amend): float64
 * variables along the file's dimensions and global attributes, replacing
 * those of the same name, so that a file can be scored again. */
#include "output_private.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct amend {
	const char *path;
	hid_t file;
	char hdf5_detail[MF_H5_DETAIL_SIZE]; /* see struct mf_h5_quiet */
};

static enum mf_status write_fail(struct mf_error *err, struct amend *amend, const char *what,
				 const char *name)
{
	enum mf_status status = mf_error_set(err, MF_ERR_IO, "%s: cannot %s '%s'%s%s",
					     amend->path, what, name,
					     amend->hdf5_detail[0] ? ": " : "",
					     amend->hdf5_detail);
	amend->hdf5_detail[0] = '\0';
	return status;
}

/* Removes attribute name of object if it is there, so that it can be
 * written anew (at the end of the creation order). */
static herr_t replace_attr(hid_t object, const char *name)
{
	htri_t found = H5Aexists(object, name);
	if (found < 0)
		return -1;
	return found > 0 ? H5Adelete(object, name) : 0;
}

/* Opens the dimension scales of a variable and reads their sizes. */
static enum mf_status open_dimensions(struct amend *amend,
				      const struct mf_output_variable *variable,
				      hid_t scales[MAX_RANK], hsize_t dims[MAX_RANK],
				      struct mf_error *err)
{
	for (int d = 0; d < variable->rank; d++) {
		const char *name = variable->dimensions[d];
		if (!name || H5Lexists(amend->file, name, H5P_DEFAULT) <= 0)
			return mf_error_set(err, MF_ERR_INPUT, "%s: no dimension '%s'",
					    amend->path, name ? name : "");
		scales[d] = H5Dopen2(amend->file, name, H5P_DEFAULT);
		hid_t space = scales[d] >= 0 ? H5Dget_space(scales[d]) : -1;
		hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
		if (space >= 0)
			H5Sclose(space);
		if (n < 0)
			return write_fail(err, amend, "read dimension", name);
		dims[d] = (hsize_t)n;
	}
	return MF_OK;
}

/* The variable's dataset: the one of that name, which must have the
 * variable's shape, or a new one (contiguous, attribute creation order
 * tracked as netCDF-4 needs, the dimension scales attached). */
static enum mf_status open_variable(struct amend *amend,
				    const struct mf_output_variable *variable,
				    const hid_t scales[MAX_RANK], const hsize_t dims[MAX_RANK],
				    hid_t *dataset, struct mf_error *err)
{
	const char *name = variable->name;
	htri_t found = H5Lexists(amend->file, name, H5P_DEFAULT);
	if (found < 0)
		return write_fail(err, amend, "look for", name);
	if (!found) {
		*dataset = mf_h5_create_dataset(amend->file, name, H5T_IEEE_F64LE,
						variable->rank, dims, NULL, true);
		if (*dataset < 0)
			return write_fail(err, amend, "create", name);
		for (int d = 0; d < variable->rank; d++)
			if (H5DSattach_scale(*dataset, scales[d], (unsigned)d) < 0)
				return write_fail(err, amend, "attach dimensions to", name);
		return MF_OK;
	}
	*dataset = H5Dopen2(amend->file, name, H5P_DEFAULT);
	if (*dataset < 0)
		return write_fail(err, amend, "open", name);
	hsize_t have[MAX_RANK];
	hid_t space = H5Dget_space(*dataset);
	bool fits = space >= 0 && H5Sget_simple_extent_ndims(space) == variable->rank &&
		    H5Sget_simple_extent_dims(space, have, NULL) >= 0;
	for (int d = 0; d < variable->rank && fits; d++)
		fits = have[d] == dims[d];
	if (space >= 0)
		H5Sclose(space);
	if (!fits)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: '%s' is in the file with another shape", amend->path,
				    name);
	return MF_OK;
}

static enum mf_status write_variable(struct amend *amend,
				     const struct mf_output_variable *variable,
				     struct mf_error *err)
{
	if (!variable->name || !variable->name[0] || !variable->long_name ||
	    !variable->values || variable->rank < 1 || variable->rank > MAX_RANK ||
	    !variable->dimensions)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: malformed variable '%s'",
				    variable->name ? variable->name : "");
	hid_t scales[MAX_RANK] = {-1, -1, -1, -1}, dataset = -1;
	hsize_t dims[MAX_RANK];
	enum mf_status status = open_dimensions(amend, variable, scales, dims, err);
	if (status == MF_OK)
		status = open_variable(amend, variable, scales, dims, &dataset, err);
	if (status == MF_OK &&
	    (H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
		      variable->values) < 0 ||
	     (variable->units && (replace_attr(dataset, "units") < 0 ||
				  mf_h5_put_string_attr(dataset, "units", variable->units) < 0)) ||
	     replace_attr(dataset, "long_name") < 0 ||
	     mf_h5_put_string_attr(dataset, "long_name", variable->long_name) < 0))
		status = write_fail(err, amend, "write", variable->name);
	if (dataset >= 0 && H5Dclose(dataset) < 0 && status == MF_OK)
		status = write_fail(err, amend, "close", variable->name);
	for (int d = 0; d < variable->rank; d++)
		if (scales[d] >= 0)
			H5Dclose(scales[d]);
	return status;
}

static enum mf_status write_attribute(struct amend *amend,
				      const struct mf_output_attribute *attribute,
				      struct mf_error *err)
{
	const char *name = attribute->name;
	if (!name || !name[0])
		return mf_error_set(err, MF_ERR_INTERNAL, "output: attribute without a name");
	if (replace_attr(amend->file, name) < 0 ||
	    (attribute->text ? mf_h5_put_string_attr(amend->file, name, attribute->text)
			     : mf_h5_put_double_attr(amend->file, name, attribute->number)) < 0)
		return write_fail(err, amend, "write attribute", name);
	return MF_OK;
}

static enum mf_status amend_file(struct amend *amend, int n_variables,
				 const struct mf_output_variable *variables, int n_attributes,
				 const struct mf_output_attribute *attributes,
				 struct mf_error *err)
{
	if (access(amend->path, R_OK | W_OK) < 0)
		return mf_error_set(err, MF_ERR_IO, "%s: cannot read and write: %s", amend->path,
				    strerror(errno));
	if (H5Fis_hdf5(amend->path) <= 0)
		return mf_error_set(err, MF_ERR_INPUT, "%s: not an HDF5 file", amend->path);
	amend->file = H5Fopen(amend->path, H5F_ACC_RDWR, H5P_DEFAULT);
	if (amend->file < 0)
		return mf_error_set(err, MF_ERR_IO, "%s: cannot open for writing%s%s",
				    amend->path, amend->hdf5_detail[0] ? ": " : "",
				    amend->hdf5_detail);
	enum mf_status status = MF_OK;
	for (int v = 0; v < n_variables && status == MF_OK; v++)
		status = write_variable(amend, &variables[v], err);
	for (int a = 0; a < n_attributes && status == MF_OK; a++)
		status = write_attribute(amend, &attributes[a], err);
	if (H5Fclose(amend->file) < 0 && status == MF_OK)
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot close%s%s", amend->path,
				      amend->hdf5_detail[0] ? ": " : "", amend->hdf5_detail);
	return status;
}

enum mf_status mf_output_amend(const char *path, int n_variables,
			       const struct mf_output_variable *variables,
			       int n_attributes,
			       const struct mf_output_attribute *attributes,
			       struct mf_error *err)
{
	if (!path || !path[0] || n_variables < 0 || n_attributes < 0 ||
	    (n_variables > 0 && !variables) || (n_attributes > 0 && !attributes))
		return mf_error_set(err, MF_ERR_INTERNAL, "output: nothing to amend");
	struct amend amend = {.path = path, .file = -1};
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, amend.hdf5_detail);
	enum mf_status status = amend_file(&amend, n_variables, variables, n_attributes,
					   attributes, err);
	mf_h5_quiet_end(&quiet);
	return status;
}

static enum mf_status variable_step(struct mf_output *out, const void *arg,
				    struct mf_error *err)
{
	struct amend amend = {.path = out->partial, .file = out->file};
	enum mf_status status = write_variable(&amend, arg, err);
	if (amend.hdf5_detail[0] && !out->hdf5_detail[0])
		memcpy(out->hdf5_detail, amend.hdf5_detail, sizeof(amend.hdf5_detail));
	return status;
}

enum mf_status mf_output_add_variable(struct mf_output *out,
				      const struct mf_output_variable *variable,
				      struct mf_error *err)
{
	return mf_output_guarded(out, err, variable_step, variable);
}
