/* HDF5 helpers of the output module: HDF5 kept quiet, attributes, the
 * string type, datasets, files and groups as netCDF-4 wants them. */
#include "output_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migflow/version.h"

#include <stdio.h>

/* HDF5 prints its error stack to stderr by default; the library must not
 * print. Instead, while a public function runs, HDF5's automatic error
 * handler is replaced by one that keeps the message nearest the cause of
 * the first failure (e.g. the errno of a failed write) for the error we
 * report: the cleanup calls that follow a failure clear HDF5's error stack.
 * The handler is per thread in this thread-safe build, and the caller's is
 * restored on exit, so no state is left changed. */
static herr_t innermost_error(unsigned n, const H5E_error2_t *entry,
			      void *data)
{
	char *detail = data;
	(void)n;
	if (entry->desc && entry->desc[0])
		snprintf(detail, MF_H5_DETAIL_SIZE, "%s", entry->desc);
	return 0;
}

static herr_t keep_first_error(hid_t stack, void *data)
{
	char *detail = data;
	if (!detail[0] &&
	    H5Ewalk2(stack, H5E_WALK_DOWNWARD, innermost_error, detail) < 0)
		detail[0] = '\0';
	return 0;
}

void mf_h5_quiet_begin(struct mf_h5_quiet *q, char detail[MF_H5_DETAIL_SIZE])
{
	detail[0] = '\0';
	if (H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) < 0) {
		q->func = NULL;
		q->data = NULL;
	}
	/* If this fails HDF5 may print; there is nothing better to do. */
	(void)H5Eset_auto2(H5E_DEFAULT, keep_first_error, detail);
}

void mf_h5_quiet_end(const struct mf_h5_quiet *q)
{
	(void)H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* Records a failed HDF5 call on the object called name (NULL: the file),
 * with HDF5's own message for the first failure since the last one
 * recorded. */
/* The system's reason in HDF5's message of a failed read or write
 * ("..., errno = 28, error message = 'No space left on device', ..."), or
 * 0 when it gives none. */
static int system_errno(const char *detail)
{
	const char *at = strstr(detail, "errno = ");
	if (!at)
		return 0;
	int code = atoi(at + 8);
	return code > 0 ? code : 0;
}

enum mf_status mf_output_fail(struct mf_error *err, struct mf_output *out,
			      const char *what, const char *name)
{
	/* A failure of the system (disk full, a directory removed, ...) is
	 * what the user acts on: one line with the path and its reason. */
	int code = system_errno(out->hdf5_detail);
	if (!code) {
		/* HDF5 may not say (a file it cannot stat): the directory tells. */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", out->partial);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		if (access(slash ? (dir[0] ? dir : "/") : ".", W_OK) < 0)
			code = errno;
	}
	if (code) {
		out->hdf5_detail[0] = '\0';
		return mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", out->path, strerror(code));
	}
	enum mf_status status = mf_error_set(err, MF_ERR_IO,
		"%s: cannot %s%s%s%s%s%s", out->partial, what, name ? " '" : "",
		name ? name : "", name ? "'" : "", out->hdf5_detail[0] ? ": " : "",
		out->hdf5_detail);
	out->hdf5_detail[0] = '\0';
	return status;
}

/* A variable-length UTF-8 string type; caller closes. */
hid_t mf_h5_string_type(void)
{
	hid_t type = H5Tcopy(H5T_C_S1);
	if (type < 0)
		return -1;
	if (H5Tset_size(type, H5T_VARIABLE) < 0 ||
	    H5Tset_cset(type, H5T_CSET_UTF8) < 0) {
		H5Tclose(type);
		return -1;
	}
	return type;
}

static herr_t put_attr(hid_t object, const char *name, hid_t file_type,
		       hid_t memory_type, const void *value)
{
	herr_t status = -1;
	hid_t space = H5Screate(H5S_SCALAR);
	if (space < 0)
		return -1;
	hid_t attr = H5Acreate2(object, name, file_type, space, H5P_DEFAULT,
				H5P_DEFAULT);
	if (attr < 0)
		goto close_space;
	status = H5Awrite(attr, memory_type, value);
	if (H5Aclose(attr) < 0)
		status = -1;
close_space:
	if (H5Sclose(space) < 0)
		status = -1;
	return status;
}

/* A text attribute as netCDF-C reads it as NC_CHAR (what CF tools expect:
 * with variable-length NC_STRING attributes `ncdump -t` decodes no dates
 * and `ncks` drops `coordinates`): a scalar fixed-length UTF-8 string of
 * strlen(value) bytes, null-terminated when read into a longer buffer; ""
 * is one NUL byte, as an HDF5 string cannot be empty. */
herr_t mf_h5_put_string_attr(hid_t object, const char *name,
			     const char *value)
{
	size_t length = value ? strlen(value) : 0;
	hid_t type = H5Tcopy(H5T_C_S1);
	if (type < 0)
		return -1;
	herr_t status = -1;
	if (H5Tset_size(type, length ? length : 1) >= 0 &&
	    H5Tset_strpad(type, H5T_STR_NULLTERM) >= 0 &&
	    H5Tset_cset(type, H5T_CSET_UTF8) >= 0)
		status = put_attr(object, name, type, type, length ? value : "");
	if (H5Tclose(type) < 0)
		status = -1;
	return status;
}

herr_t mf_h5_put_int32_attr(hid_t object, const char *name, int32_t value)
{
	return put_attr(object, name, H5T_STD_I32LE, H5T_NATIVE_INT32, &value);
}

herr_t mf_h5_put_uint32_attr(hid_t object, const char *name, uint32_t value)
{
	return put_attr(object, name, H5T_STD_U32LE, H5T_NATIVE_UINT32, &value);
}

herr_t mf_h5_put_uint64_attr(hid_t object, const char *name, uint64_t value)
{
	return put_attr(object, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &value);
}

herr_t mf_h5_put_double_attr(hid_t object, const char *name, double value)
{
	return put_attr(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

/* Creates a dataset whose attributes keep their creation order (netCDF-4
 * needs this). chunk == NULL gives a contiguous layout. Numeric datasets are
 * never prefilled, which also keeps _FillValue away; variable-length ones
 * cannot skip the fill. */
static hid_t create_dataset(hid_t file, const char *name, hid_t type, int rank,
			    const hsize_t *dims, const hsize_t *chunk,
			    bool prefill, int deflate)
{
	hid_t dataset = -1;
	hid_t dcpl = -1;
	hid_t space = H5Screate_simple(rank, dims, NULL);
	if (space < 0)
		return -1;
	dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (dcpl < 0)
		goto close_space;
	if (H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_obj_track_times(dcpl, false) < 0 ||
	    (!prefill && H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0) ||
	    (chunk && H5Pset_chunk(dcpl, rank, chunk) < 0) ||
	    (chunk && deflate > 0 && (H5Pset_shuffle(dcpl) < 0 ||
				      H5Pset_deflate(dcpl, (unsigned)deflate) < 0)))
		goto close_dcpl;
	dataset = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl,
			     H5P_DEFAULT);
close_dcpl:
	if (H5Pclose(dcpl) < 0 && dataset >= 0) {
		H5Dclose(dataset);
		dataset = -1;
	}
close_space:
	if (H5Sclose(space) < 0 && dataset >= 0) {
		H5Dclose(dataset);
		dataset = -1;
	}
	return dataset;
}

hid_t mf_h5_create_dataset(hid_t file, const char *name, hid_t type, int rank,
			   const hsize_t *dims, const hsize_t *chunk,
			   bool prefill)
{
	return create_dataset(file, name, type, rank, dims, chunk, prefill, 0);
}

/* Numeric series only: netCDF-C 4.9 cannot read filtered variable-length
 * strings. */
hid_t mf_h5_create_compressed(hid_t file, const char *name, hid_t type, int rank,
			      const hsize_t *dims, const hsize_t *chunk)
{
	return create_dataset(file, name, type, rank, dims, chunk, false,
			      MF_H5_DEFLATE_LEVEL);
}

herr_t mf_h5_put_names(hid_t dataset, const char *long_name,
		       const char *units)
{
	if (units && mf_h5_put_string_attr(dataset, "units", units) < 0)
		return -1;
	return mf_h5_put_string_attr(dataset, "long_name", long_name);
}

/* Writes a one-dimensional dataset of n values (or none if n == 0). */
herr_t mf_h5_write_all(hid_t dataset, hid_t memory_type, size_t n,
		       const void *values)
{
	if (n == 0)
		return 0;
	return H5Dwrite(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT,
			values);
}

/* Creates the partial file: netCDF-4 needs link and attribute creation order
 * tracked and indexed on the root group; the 1.8 format at least keeps large
 * attribute sets efficient. A strong close degree makes a successful
 * H5Fclose mean the file really is closed and flushed. */
hid_t mf_h5_create_file(const char *name)
{
	hid_t file = -1;
	hid_t fapl = -1;
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	if (fcpl < 0)
		return -1;
	if (H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_attr_creation_order(fcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) < 0 ||
	    H5Pset_obj_track_times(fcpl, false) < 0)
		goto close_fcpl;
	fapl = H5Pcreate(H5P_FILE_ACCESS);
	if (fapl < 0)
		goto close_fcpl;
	if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0 ||
	    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
		goto close_fapl;
	file = H5Fcreate(name, H5F_ACC_TRUNC, fcpl, fapl);
close_fapl:
	if (H5Pclose(fapl) < 0 && file >= 0) {
		H5Fclose(file);
		file = -1;
	}
close_fcpl:
	if (H5Pclose(fcpl) < 0 && file >= 0) {
		H5Fclose(file);
		file = -1;
	}
	return file;
}

/* The type to read a value of stored type `type` into: variable-length
 * strings as char *, the rest as the native equivalent. Caller closes. */
hid_t mf_h5_memory_type_of(hid_t type, bool *variable_string)
{
	htri_t variable = H5Tis_variable_str(type);
	*variable_string = variable > 0;
	if (variable < 0)
		return -1;
	if (!variable)
		return H5Tget_native_type(type, H5T_DIR_ASCEND);
	H5T_cset_t cset = H5Tget_cset(type);
	hid_t memory = mf_h5_string_type();
	if (memory >= 0 && cset >= 0 && H5Tset_cset(memory, cset) < 0) {
		H5Tclose(memory);
		return -1;
	}
	return memory;
}

/* A group created with link and attribute creation order tracked (netCDF-4
 * needs it on every group). */
hid_t mf_h5_create_group(hid_t parent, const char *name)
{
	hid_t group = -1;
	hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
	if (gcpl < 0)
		return -1;
	if (H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) >= 0 &&
	    H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED |
					     H5P_CRT_ORDER_INDEXED) >= 0 &&
	    H5Pset_obj_track_times(gcpl, false) >= 0)
		group = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
	if (H5Pclose(gcpl) < 0 && group >= 0) {
		H5Gclose(group);
		group = -1;
	}
	return group;
}

/* The CF global attributes saying where a file comes from: history (the
 * library does not know the command line: "<UTC time> migflow <version>
 * <what> of <subject>"), source and references. */
herr_t mf_h5_put_provenance(hid_t file, const char *what, const char *subject)
{
	char created[32] = "";
	time_t now = time(NULL);
	struct tm utc;
	if (now == (time_t)-1 || !gmtime_r(&now, &utc) ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &utc) == 0)
		snprintf(created, sizeof(created), "unknown time");
	size_t size = strlen(created) + strlen(MF_VERSION) + strlen(what) +
		      (subject ? strlen(subject) : 0) + 32;
	char *history = malloc(size);
	if (!history)
		return -1;
	snprintf(history, size, "%s migflow %s %s%s%s", created, MF_VERSION, what,
		 subject ? " of " : "", subject ? subject : "");
	herr_t status = mf_h5_put_string_attr(file, "history", history);
	free(history);
	if (status < 0 ||
	    mf_h5_put_string_attr(file, "source", "migflow " MF_VERSION
				  ", agent-based migration-flow simulation") < 0 ||
	    mf_h5_put_string_attr(file, "references",
				  "migflow README.md (output layout) and MODEL.md "
				  "(the model simulated)") < 0)
		return -1;
	return 0;
}
