/* Batch files: finished run files copied into groups of one file. Objects
 * are copied one by one (H5Ocopy of HDF5 1.10.8 crashes on the densely
 * stored string attributes these files have). */
#include "output_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/version.h"

#define COPY_BYTES ((size_t)4 << 20)

struct mf_output *mf_output_create_batch(const char *path, bool force,
					 struct mf_error *err)
{
	if (mf_output_check_path(path, force, err) != MF_OK)
		return NULL;
	struct mf_output *out = mf_output_new(path, OUTPUT_BATCH, err);
	if (!out)
		return NULL;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, out->hdf5_detail);
	enum mf_status status = MF_OK;
	out->file = mf_h5_create_file(out->partial);
	if (out->file < 0)
		status = mf_output_fail(err, out, "create the file", NULL);
	else if (mf_h5_put_string_attr(out->file, "title", "migflow batch") < 0 ||
		 mf_h5_put_string_attr(out->file, "Conventions", "CF-1.8") < 0 ||
		 mf_h5_put_provenance(out->file, "batch", NULL) < 0 ||
		 mf_h5_put_string_attr(out->file, "engine", "migflow") < 0 ||
		 mf_h5_put_string_attr(out->file, "engine_version", MF_VERSION) < 0 ||
		 mf_h5_put_int32_attr(out->file, "migflow_batch", 1) < 0)
		status = mf_output_fail(err, out, "write the global attributes", NULL);
	if (status != MF_OK) {
		mf_output_drop(out);
		out = NULL;
	}
	mf_h5_quiet_end(&quiet);
	return out;
}

struct names {
	char **items;
	int n, capacity;
	bool failed;
};

static void names_free(struct names *names)
{
	for (int i = 0; i < names->n; i++)
		free(names->items[i]);
	free(names->items);
}

static herr_t collect_link(hid_t group, const char *name, const H5L_info_t *info,
			   void *data)
{
	struct names *names = data;
	(void)group;
	if (info->type != H5L_TYPE_HARD)
		return 0;
	if (names->n == names->capacity) {
		int capacity = names->capacity ? 2 * names->capacity : 32;
		char **items = realloc(names->items, (size_t)capacity * sizeof(*items));
		if (!items) {
			names->failed = true;
			return -1;
		}
		names->items = items;
		names->capacity = capacity;
	}
	names->items[names->n] = strdup(name);
	if (!names->items[names->n]) {
		names->failed = true;
		return -1;
	}
	names->n++;
	return 0;
}

/* Attributes the dimension-scale API keeps on datasets (object references
 * into the file they are in): rebuilt, not copied. */
static bool scale_bookkeeping(const char *name)
{
	return !strcmp(name, "DIMENSION_LIST") || !strcmp(name, "REFERENCE_LIST") ||
	       !strcmp(name, "CLASS") || !strcmp(name, "NAME");
}

struct attribute_copy {
	hid_t target;
	bool skip_scales;
	bool failed;
	char failed_name[256];
};

static herr_t copy_attribute(hid_t object, const char *name,
			     const H5A_info_t *info, void *data)
{
	struct attribute_copy *copy = data;
	(void)info;
	if (copy->skip_scales && scale_bookkeeping(name))
		return 0;
	herr_t status = -1;
	bool variable = false;
	void *values = NULL;
	hid_t memory = -1, space = -1, type = -1, target = -1;
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		goto done;
	if ((type = H5Aget_type(attribute)) < 0 ||
	    (space = H5Aget_space(attribute)) < 0 ||
	    (memory = mf_h5_memory_type_of(type, &variable)) < 0)
		goto done;
	hssize_t n = H5Sget_simple_extent_npoints(space);
	size_t size = H5Tget_size(memory);
	if (n < 0 || size == 0 || !(values = calloc(n > 0 ? (size_t)n : 1, size)))
		goto done;
	if (H5Aread(attribute, memory, values) < 0)
		goto done;
	target = H5Acreate2(copy->target, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
	if (target >= 0 && H5Awrite(target, memory, values) >= 0)
		status = 0;
	if (variable && H5Dvlen_reclaim(memory, space, H5P_DEFAULT, values) < 0)
		status = -1;
done:
	free(values);
	if (target >= 0 && H5Aclose(target) < 0)
		status = -1;
	if (memory >= 0 && H5Tclose(memory) < 0)
		status = -1;
	if (space >= 0 && H5Sclose(space) < 0)
		status = -1;
	if (type >= 0 && H5Tclose(type) < 0)
		status = -1;
	if (attribute >= 0 && H5Aclose(attribute) < 0)
		status = -1;
	if (status < 0) {
		copy->failed = true;
		snprintf(copy->failed_name, sizeof(copy->failed_name), "%s", name);
	}
	return status;
}

/* Copies every attribute of source to target, in creation order when the
 * source tracks it. */
static herr_t copy_attributes(hid_t source, hid_t create_plist, hid_t target,
			      bool skip_scales)
{
	unsigned order = 0;
	H5_index_t index = H5_INDEX_NAME;
	if (create_plist >= 0 && H5Pget_attr_creation_order(create_plist, &order) >= 0 &&
	    (order & H5P_CRT_ORDER_TRACKED))
		index = H5_INDEX_CRT_ORDER;
	struct attribute_copy copy = {.target = target, .skip_scales = skip_scales};
	if (H5Aiterate2(source, index, H5_ITER_INC, NULL, copy_attribute, &copy) < 0 ||
	    copy.failed)
		return -1;
	return 0;
}

/* Copies the values of a dataset, a slab of about COPY_BYTES along its
 * first axis at a time (strings all at once). */
static herr_t copy_values(hid_t source, hid_t target, hid_t type, hid_t space)
{
	herr_t status = -1;
	bool variable = false;
	void *values = NULL;
	hid_t memory = mf_h5_memory_type_of(type, &variable);
	if (memory < 0)
		return -1;
	int rank = H5Sget_simple_extent_ndims(space);
	hsize_t dims[H5S_MAX_RANK];
	hssize_t points = H5Sget_simple_extent_npoints(space);
	size_t size = H5Tget_size(memory);
	if (rank < 0 || points < 0 || size == 0 ||
	    H5Sget_simple_extent_dims(space, dims, NULL) < 0)
		goto done;
	if (points == 0) {
		status = 0;
		goto done;
	}
	if (variable || rank == 0) {
		values = calloc((size_t)points, size);
		if (values && H5Dread(source, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0) {
			status = H5Dwrite(target, memory, H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
			if (variable && H5Dvlen_reclaim(memory, space, H5P_DEFAULT, values) < 0)
				status = -1;
		}
		goto done;
	}
	size_t row_bytes = size;
	for (int a = 1; a < rank; a++)
		row_bytes *= (size_t)dims[a];
	hsize_t rows = COPY_BYTES / row_bytes;
	if (rows < 1)
		rows = 1;
	if (rows > dims[0])
		rows = dims[0];
	values = malloc((size_t)rows * row_bytes);
	if (!values)
		goto done;
	status = 0;
	for (hsize_t first = 0; first < dims[0] && status >= 0; first += rows) {
		hsize_t start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
		for (int a = 0; a < rank; a++)
			count[a] = dims[a];
		start[0] = first;
		count[0] = rows < dims[0] - first ? rows : dims[0] - first;
		hid_t memory_space = H5Screate_simple(rank, count, NULL);
		hid_t source_space = H5Scopy(space), target_space = H5Scopy(space);
		if (memory_space < 0 || source_space < 0 || target_space < 0 ||
		    H5Sselect_hyperslab(source_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
		    H5Sselect_hyperslab(target_space, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
		    H5Dread(source, memory, memory_space, source_space, H5P_DEFAULT, values) < 0 ||
		    H5Dwrite(target, memory, memory_space, target_space, H5P_DEFAULT, values) < 0)
			status = -1;
		if (memory_space >= 0 && H5Sclose(memory_space) < 0)
			status = -1;
		if (source_space >= 0 && H5Sclose(source_space) < 0)
			status = -1;
		if (target_space >= 0 && H5Sclose(target_space) < 0)
			status = -1;
	}
done:
	free(values);
	if (H5Tclose(memory) < 0)
		status = -1;
	return status;
}

/* Copies dataset name from source to target (a group): type, shape,
 * creation properties (chunks, fill, attribute order), values, attributes
 * and, for a dimension scale, its scale name. */
static enum mf_status copy_dataset(struct mf_output *out, hid_t source_group,
				   hid_t target_group, const char *name,
				   struct mf_error *err)
{
	enum mf_status status = MF_OK;
	hid_t type = -1, space = -1, dcpl = -1, target = -1;
	hid_t source = H5Dopen2(source_group, name, H5P_DEFAULT);
	if (source < 0)
		return mf_output_fail(err, out, "open (only datasets are copied)", name);
	if ((type = H5Dget_type(source)) < 0 || (space = H5Dget_space(source)) < 0 ||
	    (dcpl = H5Dget_create_plist(source)) < 0) {
		status = mf_output_fail(err, out, "read the layout of", name);
		goto done;
	}
	target = H5Dcreate2(target_group, name, type, space, H5P_DEFAULT, dcpl,
			    H5P_DEFAULT);
	if (target < 0) {
		status = mf_output_fail(err, out, "create", name);
		goto done;
	}
	htri_t scale = H5DSis_scale(source);
	if (scale > 0) {
		char scale_name[256] = "";
		ssize_t length = H5DSget_scale_name(source, scale_name, sizeof(scale_name));
		if (H5DSset_scale(target, length > 0 ? scale_name : NULL) < 0) {
			status = mf_output_fail(err, out, "make a dimension of", name);
			goto done;
		}
	}
	if (scale < 0 || copy_values(source, target, type, space) < 0) {
		status = mf_output_fail(err, out, "copy the values of", name);
		goto done;
	}
	if (copy_attributes(source, dcpl, target, true) < 0)
		status = mf_output_fail(err, out, "copy the attributes of", name);
done:
	if (target >= 0 && H5Dclose(target) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", name);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	H5Dclose(source);
	return status;
}

/* The name (last path component) of the first scale attached to an axis. */
static herr_t first_scale_name(hid_t dataset, unsigned axis, hid_t scale, void *data)
{
	char *name = data;
	char path[512];
	(void)dataset;
	(void)axis;
	ssize_t length = H5Iget_name(scale, path, sizeof(path));
	if (length <= 0 || (size_t)length >= sizeof(path))
		return -1;
	const char *last = strrchr(path, '/');
	snprintf(name, 256, "%s", last ? last + 1 : path);
	return 1;
}

/* Attaches to dataset name in target the scales (found by name in target)
 * that its source has on each axis. */
static enum mf_status copy_scales(struct mf_output *out, hid_t source_group,
				  hid_t target_group, const char *name,
				  struct mf_error *err)
{
	enum mf_status status = MF_OK;
	hid_t target = -1, space = -1;
	hid_t source = H5Dopen2(source_group, name, H5P_DEFAULT);
	if (source < 0)
		return mf_output_fail(err, out, "open", name);
	htri_t scale = H5DSis_scale(source);
	if (scale != 0) {
		if (scale < 0)
			status = mf_output_fail(err, out, "read the dimensions of", name);
		goto done;
	}
	target = H5Dopen2(target_group, name, H5P_DEFAULT);
	space = H5Dget_space(source);
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	if (target < 0 || rank < 0) {
		status = mf_output_fail(err, out, "open", name);
		goto done;
	}
	for (int axis = 0; axis < rank && status == MF_OK; axis++) {
		int n = H5DSget_num_scales(source, (unsigned)axis);
		if (n <= 0)
			continue;
		char scale_name[256] = "";
		if (H5DSiterate_scales(source, (unsigned)axis, NULL, first_scale_name,
				       scale_name) < 0) {
			status = mf_output_fail(err, out, "read the dimensions of", name);
			break;
		}
		hid_t target_scale = H5Dopen2(target_group, scale_name, H5P_DEFAULT);
		if (target_scale < 0 ||
		    H5DSattach_scale(target, target_scale, (unsigned)axis) < 0)
			status = mf_output_fail(err, out, "attach dimensions to", name);
		if (target_scale >= 0)
			H5Dclose(target_scale);
	}
done:
	if (space >= 0)
		H5Sclose(space);
	if (target >= 0 && H5Dclose(target) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close", name);
	H5Dclose(source);
	return status;
}

/* Opens the groups on the way to path (creating those missing) and
 * creates its last component, which must not exist yet. */
static hid_t make_group_path(struct mf_output *out, const char *path,
			     struct mf_error *err)
{
	char *copy = strdup(path);
	if (!copy) {
		mf_error_set(err, MF_ERR_NOMEM, "output: no memory");
		return -1;
	}
	hid_t group = -1;
	hid_t parent = H5Gopen2(out->file, "/", H5P_DEFAULT);
	char *saveptr = NULL;
	char *part = strtok_r(copy, "/", &saveptr);
	while (parent >= 0 && part) {
		char *next = strtok_r(NULL, "/", &saveptr);
		htri_t found = H5Lexists(parent, part, H5P_DEFAULT);
		if (found < 0) {
			mf_output_fail(err, out, "look for group", path);
			break;
		}
		if (found && !next) {
			mf_error_set(err, MF_ERR_INTERNAL, "%s: group '%s' exists already",
				     out->partial, path);
			break;
		}
		hid_t child = found ? H5Gopen2(parent, part, H5P_DEFAULT)
			: mf_h5_create_group(parent, part);
		if (child < 0) {
			mf_output_fail(err, out, "create group", path);
			break;
		}
		if (!next) {
			group = child;
			break;
		}
		H5Gclose(parent);
		parent = child;
		part = next;
	}
	if (parent >= 0)
		H5Gclose(parent);
	free(copy);
	return group;
}

static bool valid_group_path(const char *path)
{
	if (!path || !path[0] || path[0] == '/' || path[strlen(path) - 1] == '/' ||
	    strstr(path, "//"))
		return false;
	for (const char *part = path; part; part = strchr(part, '/')) {
		if (*part == '/')
			part++;
		if (part[0] == '.' && (part[1] == '/' || part[1] == '\0'))
			return false;
	}
	return true;
}

struct run_copy {
	const char *group_path, *run_path;
};

static enum mf_status copy_run(struct mf_output *out, const void *arg,
			       struct mf_error *err)
{
	const struct run_copy *what = arg;
	if (out->kind != OUTPUT_BATCH)
		return mf_error_set(err, MF_ERR_INTERNAL,
				    "output: runs are copied into batch files only");
	if (!valid_group_path(what->group_path) || !what->run_path)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: bad group name '%s'",
				    what->group_path ? what->group_path : "");
	enum mf_status status = MF_OK;
	struct names names = {0};
	hid_t group = -1, root = -1, gcpl = -1;
	hid_t source = H5Fopen(what->run_path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (source < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot open%s%s",
				      what->run_path, out->hdf5_detail[0] ? ": " : "",
				      out->hdf5_detail);
		out->hdf5_detail[0] = '\0';
		return status;
	}
	root = H5Gopen2(source, "/", H5P_DEFAULT);
	gcpl = root >= 0 ? H5Gget_create_plist(root) : -1;
	if (gcpl < 0) {
		status = mf_output_fail(err, out, "read", what->run_path);
		goto done;
	}
	unsigned order = 0;
	H5_index_t index = H5Pget_link_creation_order(gcpl, &order) >= 0 &&
		(order & H5P_CRT_ORDER_TRACKED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
	if (H5Literate(root, index, H5_ITER_INC, NULL, collect_link, &names) < 0) {
		status = names.failed ? mf_error_set(err, MF_ERR_NOMEM, "output: no memory")
			: mf_output_fail(err, out, "list the contents of", what->run_path);
		goto done;
	}
	group = make_group_path(out, what->group_path, err);
	if (group < 0) {
		status = err ? err->code : MF_ERR_IO;
		goto done;
	}
	if (copy_attributes(root, gcpl, group, false) < 0) {
		status = mf_output_fail(err, out, "copy the global attributes into",
					what->group_path);
		goto done;
	}
	for (int i = 0; i < names.n && status == MF_OK; i++)
		status = copy_dataset(out, root, group, names.items[i], err);
	for (int i = 0; i < names.n && status == MF_OK; i++)
		status = copy_scales(out, root, group, names.items[i], err);
done:
	names_free(&names);
	if (group >= 0 && H5Gclose(group) < 0 && status == MF_OK)
		status = mf_output_fail(err, out, "close group", what->group_path);
	if (gcpl >= 0)
		H5Pclose(gcpl);
	if (root >= 0)
		H5Gclose(root);
	H5Fclose(source);
	return status;
}

enum mf_status mf_output_add_run(struct mf_output *out, const char *group_path,
				 const char *run_path, struct mf_error *err)
{
	struct run_copy what = {group_path, run_path};
	return mf_output_guarded(out, err, copy_run, &what);
}
