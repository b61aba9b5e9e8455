/* Reading a finished run file: the public reader (migflow/reader.h) and
 * mf_output_probe on top of it. */
#include "migflow/reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output_private.h"

struct mf_reader {
	char *name;  /* file, or file#group */
	hid_t file;
	hid_t group; /* the run's group (the root of a run file) */
	int n_dimensions;
	struct mf_dimension *dimensions;
	char hdf5_detail[MF_H5_DETAIL_SIZE]; /* see struct mf_h5_quiet */
};

static enum mf_status missing(struct mf_error *err, const struct mf_reader *reader,
			      const char *what, const char *name)
{
	return mf_error_set(err, MF_ERR_INPUT, "%s: no %s '%s'", reader->name, what,
			    name ? name : "");
}

/* A failed HDF5 call on object name, with HDF5's message. */
static enum mf_status read_fail(struct mf_error *err, struct mf_reader *reader,
				const char *what, const char *name)
{
	enum mf_status status = mf_error_set(err, MF_ERR_IO, "%s: cannot %s '%s'%s%s",
					     reader->name, what, name,
					     reader->hdf5_detail[0] ? ": " : "",
					     reader->hdf5_detail);
	reader->hdf5_detail[0] = '\0';
	return status;
}

/* The kind of object at path below loc (H5I_BADID if there is none). */
static H5I_type_t object_kind(hid_t loc, const char *path)
{
	if (!path || !path[0] || H5LTpath_valid(loc, path, true) <= 0)
		return H5I_BADID;
	hid_t object = H5Oopen(loc, path, H5P_DEFAULT);
	if (object < 0)
		return H5I_BADID;
	H5I_type_t kind = H5Iget_type(object);
	H5Oclose(object);
	return kind;
}

/* --- opening -------------------------------------------------------------- */

static herr_t collect_dimension(hid_t group, const char *name, const H5L_info_t *info,
				void *data)
{
	struct mf_reader *reader = data;
	if (info->type != H5L_TYPE_HARD)
		return 0;
	hid_t object = H5Oopen(group, name, H5P_DEFAULT);
	if (object < 0)
		return -1;
	herr_t status = 0;
	hid_t space = -1, type = -1;
	if (H5Iget_type(object) != H5I_DATASET || H5DSis_scale(object) <= 0)
		goto done;
	space = H5Dget_space(object);
	type = H5Dget_type(object);
	hssize_t size = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
	char *copy = strdup(name);
	if (size < 0 || type < 0 || !copy) {
		free(copy);
		status = -1;
		goto done;
	}
	struct mf_dimension *dimension = &reader->dimensions[reader->n_dimensions++];
	dimension->name = copy;
	dimension->size = (uint64_t)size;
	dimension->labelled = H5Tget_class(type) == H5T_STRING;
done:
	if (type >= 0)
		H5Tclose(type);
	if (space >= 0)
		H5Sclose(space);
	H5Oclose(object);
	return status;
}

/* Lists the dimension scales of the run's group, in creation order when
 * the group tracks it. */
static enum mf_status find_dimensions(struct mf_reader *reader, struct mf_error *err)
{
	H5G_info_t info;
	if (H5Gget_info(reader->group, &info) < 0)
		return read_fail(err, reader, "list", "/");
	reader->dimensions = calloc(info.nlinks + 1, sizeof(*reader->dimensions));
	if (!reader->dimensions)
		return mf_error_set(err, MF_ERR_NOMEM, "%s: no memory", reader->name);
	unsigned order = 0;
	H5_index_t index = H5_INDEX_NAME;
	hid_t gcpl = H5Gget_create_plist(reader->group);
	if (gcpl >= 0 && H5Pget_link_creation_order(gcpl, &order) >= 0 &&
	    (order & H5P_CRT_ORDER_TRACKED))
		index = H5_INDEX_CRT_ORDER;
	if (gcpl >= 0)
		H5Pclose(gcpl);
	if (H5Literate(reader->group, index, H5_ITER_INC, NULL, collect_dimension, reader) < 0)
		return read_fail(err, reader, "read the dimensions in", "/");
	return MF_OK;
}

/* Opens the file and the group of a new reader. */
static enum mf_status open_run(struct mf_reader *reader, const char *file, const char *group,
			       struct mf_error *err)
{
	if (access(file, R_OK) < 0)
		return mf_error_set(err, MF_ERR_IO, "%s: cannot read: %s", file, strerror(errno));
	if (H5Fis_hdf5(file) <= 0)
		return mf_error_set(err, MF_ERR_INPUT, "%s: not an HDF5 file", file);
	reader->file = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (reader->file < 0)
		return mf_error_set(err, MF_ERR_IO, "%s: cannot open%s%s", file,
				    reader->hdf5_detail[0] ? ": " : "", reader->hdf5_detail);
	H5I_type_t kind = group ? object_kind(reader->file, group) : H5I_GROUP;
	if (kind == H5I_BADID)
		return mf_error_set(err, MF_ERR_INPUT, "%s: no group '%s'", file, group);
	if (kind != H5I_GROUP)
		return mf_error_set(err, MF_ERR_INPUT, "%s: '%s' is not a group", file, group);
	reader->group = H5Gopen2(reader->file, group ? group : "/", H5P_DEFAULT);
	if (reader->group < 0)
		return read_fail(err, reader, "open group", group ? group : "/");
	return find_dimensions(reader, err);
}

struct mf_reader *mf_reader_open_group(const char *file, const char *group,
				       struct mf_error *err)
{
	if (!file || !file[0]) {
		mf_error_set(err, MF_ERR_INTERNAL, "reader: no file name");
		return NULL;
	}
	if (group && (!group[0] || strcmp(group, "/") == 0))
		group = NULL;
	struct mf_reader *reader = calloc(1, sizeof(*reader));
	size_t size = strlen(file) + (group ? strlen(group) + 1 : 0) + 1;
	if (!reader || !(reader->name = malloc(size))) {
		free(reader);
		mf_error_set(err, MF_ERR_NOMEM, "%s: no memory", file);
		return NULL;
	}
	snprintf(reader->name, size, "%s%s%s", file, group ? "#" : "", group ? group : "");
	reader->file = reader->group = -1;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	enum mf_status status = open_run(reader, file, group, err);
	mf_h5_quiet_end(&quiet);
	if (status != MF_OK) {
		mf_reader_close(reader);
		return NULL;
	}
	return reader;
}

struct mf_reader *mf_reader_open(const char *path, struct mf_error *err)
{
	const char *hash = path ? strrchr(path, '#') : NULL;
	if (!hash)
		return mf_reader_open_group(path, NULL, err);
	char *file = strndup(path, (size_t)(hash - path));
	if (!file) {
		mf_error_set(err, MF_ERR_NOMEM, "%s: no memory", path);
		return NULL;
	}
	struct mf_reader *reader = mf_reader_open_group(file, hash + 1, err);
	free(file);
	return reader;
}

void mf_reader_close(struct mf_reader *reader)
{
	if (!reader)
		return;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	for (int d = 0; d < reader->n_dimensions; d++)
		free((char *)reader->dimensions[d].name);
	free(reader->dimensions);
	/* Read-only: a failure to close loses nothing. */
	if (reader->group >= 0)
		H5Gclose(reader->group);
	if (reader->file >= 0)
		H5Fclose(reader->file);
	mf_h5_quiet_end(&quiet);
	free(reader->name);
	free(reader);
}

const char *mf_reader_name(const struct mf_reader *reader)
{
	return reader->name;
}

bool mf_reader_has(struct mf_reader *reader, const char *name)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	bool found = name && name[0] && H5LTpath_valid(reader->group, name, true) > 0;
	mf_h5_quiet_end(&quiet);
	return found;
}

/* --- dimensions and labels ------------------------------------------------ */

const struct mf_dimension *mf_reader_dimensions(const struct mf_reader *reader, int *n)
{
	*n = reader->n_dimensions;
	return reader->dimensions;
}

enum mf_status mf_reader_dimension_size(struct mf_reader *reader, const char *name,
					uint64_t *size, struct mf_error *err)
{
	for (int d = 0; name && d < reader->n_dimensions; d++)
		if (strcmp(reader->dimensions[d].name, name) == 0) {
			*size = reader->dimensions[d].size;
			return MF_OK;
		}
	return missing(err, reader, "dimension", name);
}

void mf_reader_labels_free(char **labels, size_t n)
{
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
}

/* Opens variable name of the run into *dataset. */
static enum mf_status open_variable(struct mf_reader *reader, const char *name,
				    hid_t *dataset, struct mf_error *err)
{
	*dataset = -1;
	H5I_type_t kind = object_kind(reader->group, name);
	if (kind == H5I_BADID)
		return missing(err, reader, "variable", name);
	if (kind != H5I_DATASET)
		return mf_error_set(err, MF_ERR_INPUT, "%s: '%s' is not a variable",
				    reader->name, name);
	*dataset = H5Dopen2(reader->group, name, H5P_DEFAULT);
	if (*dataset < 0)
		return read_fail(err, reader, "open", name);
	return MF_OK;
}

/* Reads the n strings of a dataset stored with type into labels[0 .. n). */
static herr_t read_strings(hid_t dataset, hid_t type, hid_t space, size_t n, char **labels)
{
	herr_t status = -1;
	bool variable = false;
	hid_t memory = mf_h5_memory_type_of(type, &variable);
	if (memory < 0)
		return -1;
	if (variable) {
		char **values = calloc(n, sizeof(*values));
		if (values &&
		    H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0) {
			status = 0;
			for (size_t i = 0; i < n; i++)
				if (!(labels[i] = strdup(values[i] ? values[i] : "")))
					status = -1;
			H5Dvlen_reclaim(memory, space, H5P_DEFAULT, values);
		}
		free(values);
	} else {
		/* Fixed-length text, read one byte longer with a terminator. */
		size_t size = H5Tget_size(type) + 1;
		char *values = calloc(n, size);
		if (values && H5Tset_size(memory, size) >= 0 &&
		    H5Tset_strpad(memory, H5T_STR_NULLTERM) >= 0 &&
		    H5Dread(dataset, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0) {
			status = 0;
			for (size_t i = 0; i < n; i++)
				if (!(labels[i] = strdup(values + i * size)))
					status = -1;
		}
		free(values);
	}
	H5Tclose(memory);
	return status;
}

static enum mf_status read_labels(struct mf_reader *reader, const char *name, char ***labels,
				  size_t *n, struct mf_error *err)
{
	hid_t dataset;
	enum mf_status status = open_variable(reader, name, &dataset, err);
	if (status != MF_OK)
		return status;
	hid_t type = H5Dget_type(dataset);
	hid_t space = H5Dget_space(dataset);
	hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
	if (type < 0 || points < 0)
		status = read_fail(err, reader, "read", name);
	else if (H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_ndims(space) != 1)
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s: '%s' is not a one-dimensional text variable",
				      reader->name, name);
	else if (!(*labels = calloc((size_t)points + 1, sizeof(**labels))))
		status = mf_error_set(err, MF_ERR_NOMEM, "%s: no memory for '%s'", reader->name,
				      name);
	else if (points > 0 && read_strings(dataset, type, space, (size_t)points, *labels) < 0)
		status = read_fail(err, reader, "read", name);
	if (status == MF_OK)
		*n = (size_t)points;
	else if (*labels) {
		mf_reader_labels_free(*labels, points > 0 ? (size_t)points : 0);
		*labels = NULL;
	}
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	H5Dclose(dataset);
	return status;
}

enum mf_status mf_reader_labels(struct mf_reader *reader, const char *name,
				char ***labels, size_t *n, struct mf_error *err)
{
	*labels = NULL;
	*n = 0;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	enum mf_status status = read_labels(reader, name, labels, n, err);
	mf_h5_quiet_end(&quiet);
	return status;
}

/* --- numeric variables ---------------------------------------------------- */

/* The shape of an open dataset. */
static enum mf_status shape_of(struct mf_reader *reader, hid_t dataset, const char *name,
			       struct mf_shape *shape, struct mf_error *err)
{
	hsize_t dims[H5S_MAX_RANK];
	hid_t space = H5Dget_space(dataset);
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	if (rank >= 0 && H5Sget_simple_extent_dims(space, dims, NULL) < 0)
		rank = -1;
	if (space >= 0)
		H5Sclose(space);
	if (rank < 0)
		return read_fail(err, reader, "read the shape of", name);
	if (rank > MF_READER_RANK_MAX)
		return mf_error_set(err, MF_ERR_INPUT, "%s: '%s' has %d dimensions, more than %d",
				    reader->name, name, rank, MF_READER_RANK_MAX);
	shape->rank = rank;
	for (int a = 0; a < rank; a++)
		shape->dims[a] = dims[a];
	return MF_OK;
}

enum mf_status mf_reader_shape(struct mf_reader *reader, const char *name,
			       struct mf_shape *shape, struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	hid_t dataset;
	enum mf_status status = open_variable(reader, name, &dataset, err);
	if (status == MF_OK) {
		status = shape_of(reader, dataset, name, shape, err);
		H5Dclose(dataset);
	}
	mf_h5_quiet_end(&quiet);
	return status;
}

/* Whether an open dataset's numbers may be read as memory_type: integers
 * as anything, floating-point numbers as doubles only. */
static enum mf_status check_numeric(struct mf_reader *reader, hid_t dataset, const char *name,
				    hid_t memory_type, struct mf_error *err)
{
	hid_t type = H5Dget_type(dataset);
	if (type < 0)
		return read_fail(err, reader, "read the type of", name);
	H5T_class_t class = H5Tget_class(type);
	H5Tclose(type);
	if (class == H5T_INTEGER || (class == H5T_FLOAT && memory_type == H5T_NATIVE_DOUBLE))
		return MF_OK;
	return mf_error_set(err, MF_ERR_INPUT, "%s: '%s' %s", reader->name, name,
			    class == H5T_FLOAT ? "holds floating-point numbers: read it as doubles"
					       : "does not hold numbers");
}

/* Reads the block start, count (rank axes) of an open dataset. */
static enum mf_status read_block(struct mf_reader *reader, hid_t dataset, const char *name,
				 hid_t memory_type, int rank, const uint64_t *start,
				 const uint64_t *count, void *values, struct mf_error *err)
{
	struct mf_shape shape;
	enum mf_status status = shape_of(reader, dataset, name, &shape, err);
	if (status != MF_OK ||
	    (status = check_numeric(reader, dataset, name, memory_type, err)) != MF_OK)
		return status;
	bool inside = rank == shape.rank;
	for (int a = 0; inside && a < rank; a++)
		inside = start[a] <= shape.dims[a] && count[a] <= shape.dims[a] - start[a];
	if (!inside)
		return mf_error_set(err, MF_ERR_INPUT,
				    "%s: the block asked of '%s' is not within its shape",
				    reader->name, name);
	hsize_t first[MF_READER_RANK_MAX], extent[MF_READER_RANK_MAX];
	bool empty = false;
	for (int a = 0; a < rank; a++) {
		first[a] = start[a];
		extent[a] = count[a];
		empty = empty || count[a] == 0;
	}
	if (empty)
		return MF_OK;
	hid_t space = H5Dget_space(dataset);
	hid_t memory = H5Screate_simple(rank, extent, NULL);
	if (space < 0 || memory < 0 ||
	    (rank > 0 &&
	     H5Sselect_hyperslab(space, H5S_SELECT_SET, first, NULL, extent, NULL) < 0) ||
	    H5Dread(dataset, memory_type, memory, space, H5P_DEFAULT, values) < 0)
		status = read_fail(err, reader, "read", name);
	if (memory >= 0)
		H5Sclose(memory);
	if (space >= 0)
		H5Sclose(space);
	return status;
}

static enum mf_status read_numbers_block(struct mf_reader *reader, const char *name,
					 hid_t memory_type, int rank, const uint64_t *start,
					 const uint64_t *count, void *values,
					 struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	hid_t dataset;
	enum mf_status status = open_variable(reader, name, &dataset, err);
	if (status == MF_OK) {
		status = read_block(reader, dataset, name, memory_type, rank, start, count,
				    values, err);
		H5Dclose(dataset);
	}
	mf_h5_quiet_end(&quiet);
	return status;
}

/* A new array of every value of name, value_size bytes each. */
static enum mf_status read_numbers(struct mf_reader *reader, const char *name,
				   hid_t memory_type, size_t value_size,
				   struct mf_shape *shape, void **values, struct mf_error *err)
{
	struct mf_shape own;
	enum mf_status status = mf_reader_shape(reader, name, &own, err);
	if (status != MF_OK)
		return status;
	size_t n = 1;
	for (int a = 0; a < own.rank; a++) {
		if (own.dims[a] > 0 && n > SIZE_MAX / value_size / own.dims[a])
			return mf_error_set(err, MF_ERR_NOMEM,
					    "%s: '%s' is too large to read at once",
					    reader->name, name);
		n *= (size_t)own.dims[a];
	}
	*values = malloc((n ? n : 1) * value_size);
	if (!*values)
		return mf_error_set(err, MF_ERR_NOMEM, "%s: no memory for '%s'", reader->name,
				    name);
	static const uint64_t origin[MF_READER_RANK_MAX];
	status = read_numbers_block(reader, name, memory_type, own.rank, origin, own.dims,
				    *values, err);
	if (status != MF_OK) {
		free(*values);
		*values = NULL;
	} else if (shape) {
		*shape = own;
	}
	return status;
}

enum mf_status mf_reader_read_doubles(struct mf_reader *reader, const char *name,
				      struct mf_shape *shape, double **values,
				      struct mf_error *err)
{
	void *numbers = NULL;
	enum mf_status status = read_numbers(reader, name, H5T_NATIVE_DOUBLE, sizeof(double),
					     shape, &numbers, err);
	*values = numbers;
	return status;
}

enum mf_status mf_reader_read_int64(struct mf_reader *reader, const char *name,
				    struct mf_shape *shape, int64_t **values,
				    struct mf_error *err)
{
	void *numbers = NULL;
	enum mf_status status = read_numbers(reader, name, H5T_NATIVE_INT64, sizeof(int64_t),
					     shape, &numbers, err);
	*values = numbers;
	return status;
}

enum mf_status mf_reader_read_doubles_block(struct mf_reader *reader, const char *name,
					    int rank, const uint64_t *start,
					    const uint64_t *count, double *values,
					    struct mf_error *err)
{
	return read_numbers_block(reader, name, H5T_NATIVE_DOUBLE, rank, start, count, values,
				  err);
}

enum mf_status mf_reader_read_int64_block(struct mf_reader *reader, const char *name,
					  int rank, const uint64_t *start,
					  const uint64_t *count, int64_t *values,
					  struct mf_error *err)
{
	return read_numbers_block(reader, name, H5T_NATIVE_INT64, rank, start, count, values,
				  err);
}

/* --- attributes ----------------------------------------------------------- */

bool mf_reader_has_attribute(struct mf_reader *reader, const char *object, const char *name)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	bool found = name && (!object || object_kind(reader->group, object) != H5I_BADID) &&
		     H5Aexists_by_name(reader->group, object ? object : ".", name,
				       H5P_DEFAULT) > 0;
	mf_h5_quiet_end(&quiet);
	return found;
}

/* Opens attribute name of object (NULL: the run's group) into *attribute;
 * it must hold one value. */
static enum mf_status open_attribute(struct mf_reader *reader, const char *object,
				     const char *name, hid_t *attribute, struct mf_error *err)
{
	*attribute = -1;
	if (object && object_kind(reader->group, object) == H5I_BADID)
		return missing(err, reader, "variable", object);
	const char *where = object ? object : ".";
	if (!name || H5Aexists_by_name(reader->group, where, name, H5P_DEFAULT) <= 0) {
		if (!object)
			return missing(err, reader, "attribute", name);
		return mf_error_set(err, MF_ERR_INPUT, "%s: '%s' has no attribute '%s'",
				    reader->name, object, name ? name : "");
	}
	*attribute = H5Aopen_by_name(reader->group, where, name, H5P_DEFAULT, H5P_DEFAULT);
	if (*attribute < 0)
		return read_fail(err, reader, "open attribute", name);
	hid_t space = H5Aget_space(*attribute);
	hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
	if (space >= 0)
		H5Sclose(space);
	if (points == 1)
		return MF_OK;
	H5Aclose(*attribute);
	*attribute = -1;
	if (points < 0)
		return read_fail(err, reader, "read attribute", name);
	return mf_error_set(err, MF_ERR_INPUT, "%s: attribute '%s' holds %lld values, not one",
			    reader->name, name, (long long)points);
}

static enum mf_status read_text(struct mf_reader *reader, hid_t attribute, const char *name,
				char **text, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	bool variable = false;
	hid_t memory = -1;
	hid_t type = H5Aget_type(attribute);
	if (type < 0)
		return read_fail(err, reader, "read attribute", name);
	if (H5Tget_class(type) != H5T_STRING) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: attribute '%s' is not text",
				      reader->name, name);
		goto done;
	}
	if ((memory = mf_h5_memory_type_of(type, &variable)) < 0) {
		status = read_fail(err, reader, "read attribute", name);
		goto done;
	}
	if (variable) {
		char *value = NULL;
		if (H5Aread(attribute, memory, &value) < 0) {
			status = read_fail(err, reader, "read attribute", name);
			goto done;
		}
		*text = strdup(value ? value : "");
		H5free_memory(value);
	} else {
		size_t size = H5Tget_size(type);
		*text = calloc(size + 1, 1);
		if (*text && H5Aread(attribute, type, *text) < 0) {
			free(*text);
			*text = NULL;
			status = read_fail(err, reader, "read attribute", name);
			goto done;
		}
	}
	if (!*text)
		status = mf_error_set(err, MF_ERR_NOMEM, "%s: no memory for attribute '%s'",
				      reader->name, name);
done:
	if (memory >= 0)
		H5Tclose(memory);
	H5Tclose(type);
	return status;
}

enum mf_status mf_reader_text_attribute(struct mf_reader *reader, const char *object,
					const char *name, char **text, struct mf_error *err)
{
	*text = NULL;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	hid_t attribute;
	enum mf_status status = open_attribute(reader, object, name, &attribute, err);
	if (status == MF_OK) {
		status = read_text(reader, attribute, name, text, err);
		H5Aclose(attribute);
	}
	mf_h5_quiet_end(&quiet);
	return status;
}

/* Reads a number attribute as memory_type: integers as anything,
 * floating-point numbers as doubles only. */
static enum mf_status read_number(struct mf_reader *reader, hid_t attribute, const char *name,
				  hid_t memory_type, void *value, struct mf_error *err)
{
	hid_t type = H5Aget_type(attribute);
	if (type < 0)
		return read_fail(err, reader, "read attribute", name);
	H5T_class_t class = H5Tget_class(type);
	H5Tclose(type);
	if (class != H5T_INTEGER && (class != H5T_FLOAT || memory_type != H5T_NATIVE_DOUBLE))
		return mf_error_set(err, MF_ERR_INPUT, "%s: attribute '%s' is not %s",
				    reader->name, name,
				    memory_type == H5T_NATIVE_DOUBLE ? "a number" : "an integer");
	if (H5Aread(attribute, memory_type, value) < 0)
		return read_fail(err, reader, "read attribute", name);
	return MF_OK;
}

static enum mf_status number_attribute(struct mf_reader *reader, const char *object,
				       const char *name, hid_t memory_type, void *value,
				       struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, reader->hdf5_detail);
	hid_t attribute;
	enum mf_status status = open_attribute(reader, object, name, &attribute, err);
	if (status == MF_OK) {
		status = read_number(reader, attribute, name, memory_type, value, err);
		H5Aclose(attribute);
	}
	mf_h5_quiet_end(&quiet);
	return status;
}

enum mf_status mf_reader_double_attribute(struct mf_reader *reader, const char *object,
					  const char *name, double *value, struct mf_error *err)
{
	return number_attribute(reader, object, name, H5T_NATIVE_DOUBLE, value, err);
}

enum mf_status mf_reader_int_attribute(struct mf_reader *reader, const char *object,
				       const char *name, int64_t *value, struct mf_error *err)
{
	return number_attribute(reader, object, name, H5T_NATIVE_INT64, value, err);
}

/* --- mf_output_probe ------------------------------------------------------ */

enum mf_status mf_output_probe(const char *path, const char *text_name,
			       char **text, struct mf_run_stats *stats,
			       struct mf_error *err)
{
	if (text)
		*text = NULL;
	if (!path)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
	struct mf_error open_err;
	struct mf_reader *reader = mf_reader_open_group(path, NULL, &open_err);
	if (!reader) {
		if (err)
			*err = open_err;
		return open_err.code;
	}
	enum mf_status status = MF_OK;
	int64_t complete = 0;
	if (mf_reader_int_attribute(reader, NULL, "complete", &complete, NULL) != MF_OK ||
	    complete != 1) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: not a complete migflow file", path);
		goto done;
	}
	if (stats) {
		int64_t agent_steps = 0;
		stats->agent_steps = 0;
		stats->wall_seconds = 0;
		if ((mf_reader_has_attribute(reader, NULL, "agent_steps") &&
		     mf_reader_int_attribute(reader, NULL, "agent_steps", &agent_steps,
					     NULL) != MF_OK) ||
		    (mf_reader_has_attribute(reader, NULL, "wall_seconds") &&
		     mf_reader_double_attribute(reader, NULL, "wall_seconds",
						&stats->wall_seconds, NULL) != MF_OK)) {
			status = mf_error_set(err, MF_ERR_IO,
					      "%s: cannot read the run statistics", path);
			goto done;
		}
		stats->agent_steps = (uint64_t)agent_steps;
	}
	if (text_name && text && mf_reader_has_attribute(reader, NULL, text_name) &&
	    mf_reader_text_attribute(reader, NULL, text_name, text, NULL) != MF_OK)
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot read attribute '%s'", path,
				      text_name);
done:
	mf_reader_close(reader);
	return status;
}
