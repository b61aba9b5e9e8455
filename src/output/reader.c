/* Reading a finished run file. */
#include "output_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A copy of a string attribute (caller frees), or NULL. */
static char *read_text_attribute(hid_t object, const char *name)
{
	char *text = NULL;
	bool variable = false;
	hid_t memory = -1, type = -1;
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		return NULL;
	type = H5Aget_type(attribute);
	if (type < 0 || H5Tget_class(type) != H5T_STRING ||
	    (memory = mf_h5_memory_type_of(type, &variable)) < 0)
		goto done;
	if (variable) {
		char *value = NULL;
		if (H5Aread(attribute, memory, &value) >= 0 && value) {
			text = strdup(value);
			H5free_memory(value);
		}
	} else {
		size_t size = H5Tget_size(type);
		char *value = calloc(size + 1, 1);
		if (value && H5Aread(attribute, type, value) >= 0)
			text = value;
		else
			free(value);
	}
done:
	if (memory >= 0)
		H5Tclose(memory);
	if (type >= 0)
		H5Tclose(type);
	H5Aclose(attribute);
	return text;
}

static herr_t read_number_attribute(hid_t object, const char *name,
				    hid_t memory_type, void *value)
{
	hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
	if (attribute < 0)
		return -1;
	herr_t status = H5Aread(attribute, memory_type, value);
	if (H5Aclose(attribute) < 0)
		status = -1;
	return status;
}

enum mf_status mf_output_probe(const char *path, const char *text_name,
			       char **text, struct mf_run_stats *stats,
			       struct mf_error *err)
{
	if (text)
		*text = NULL;
	if (!path)
		return mf_error_set(err, MF_ERR_INTERNAL, "output: no file name");
	char detail[MF_H5_DETAIL_SIZE];
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, detail);
	enum mf_status status = MF_OK;
	hid_t file = -1;
	if (access(path, R_OK) < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot read: %s", path,
				      strerror(errno));
		goto done;
	}
	if (H5Fis_hdf5(path) <= 0) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: not an HDF5 file", path);
		goto done;
	}
	file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (file < 0) {
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot open%s%s", path,
				      detail[0] ? ": " : "", detail);
		goto done;
	}
	int32_t complete = 0;
	if (H5Aexists(file, "complete") <= 0 ||
	    read_number_attribute(file, "complete", H5T_NATIVE_INT32, &complete) < 0 ||
	    complete != 1) {
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s: not a complete migflow file", path);
		goto done;
	}
	if (stats) {
		stats->agent_steps = 0;
		stats->wall_seconds = 0;
		if ((H5Aexists(file, "agent_steps") > 0 &&
		     read_number_attribute(file, "agent_steps", H5T_NATIVE_UINT64,
					   &stats->agent_steps) < 0) ||
		    (H5Aexists(file, "wall_seconds") > 0 &&
		     read_number_attribute(file, "wall_seconds", H5T_NATIVE_DOUBLE,
					   &stats->wall_seconds) < 0)) {
			status = mf_error_set(err, MF_ERR_IO,
					      "%s: cannot read the run statistics", path);
			goto done;
		}
	}
	if (text_name && text && H5Aexists(file, text_name) > 0) {
		*text = read_text_attribute(file, text_name);
		if (!*text)
			status = mf_error_set(err, MF_ERR_IO,
					      "%s: cannot read attribute '%s'", path,
					      text_name);
	}
done:
	if (file >= 0 && H5Fclose(file) < 0 && status == MF_OK)
		status = mf_error_set(err, MF_ERR_IO, "%s: cannot close", path);
	mf_h5_quiet_end(&quiet);
	return status;
}
