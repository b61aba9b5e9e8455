/* A checkpoint's file (src/state_file.h): one dataset per named array,
 * unsigned bytes, 64-bit integers or doubles, written through the run
 * writer's partial-file machinery (errors name the path and the system's
 * reason) and synced to disk before the rename. */
#include "../state_file.h"
#include "output_private.h"
#include "migflow/version.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Values per chunk of a compressed array. */
#define STATE_CHUNK ((hsize_t)1 << 20)

struct mf_state_file {
	struct mf_output *out; /* writing: the partial file and its errors */
	hid_t file;            /* reading */
	char path[4096];
	char detail[MF_H5_DETAIL_SIZE];
};

static hid_t file_type(enum mf_state_kind kind)
{
	return kind == MF_STATE_F64 ? H5T_IEEE_F64LE : kind == MF_STATE_I64 ? H5T_STD_I64LE : H5T_STD_U8LE;
}

static hid_t memory_type(enum mf_state_kind kind)
{
	return kind == MF_STATE_F64 ? H5T_NATIVE_DOUBLE : kind == MF_STATE_I64 ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT8;
}

struct mf_state_file *mf_state_file_create(const char *path, struct mf_error *err)
{
	struct mf_state_file *f = calloc(1, sizeof(*f));
	if (!f) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory writing a checkpoint");
		return NULL;
	}
	f->file = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (mf_output_check_path(path, true, err) != MF_OK || !(f->out = mf_output_new(path, OUTPUT_BATCH, err))) {
		free(f);
		return NULL;
	}
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->out->hdf5_detail);
	f->out->file = mf_h5_create_file(f->out->partial);
	enum mf_status status = MF_OK;
	if (f->out->file < 0 ||
	    mf_h5_put_string_attr(f->out->file, "migflow_checkpoint", MF_VERSION) < 0)
		status = mf_output_fail(err, f->out, "create the file", NULL);
	mf_h5_quiet_end(&quiet);
	if (status != MF_OK) {
		mf_state_file_abandon(f);
		return NULL;
	}
	return f;
}

enum mf_status mf_state_file_put(struct mf_state_file *f, const char *name,
				 enum mf_state_kind kind, size_t count, const void *data,
				 int compress, struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->out->hdf5_detail);
	hsize_t dims[1] = {count}, chunk[1] = {count < STATE_CHUNK ? count : STATE_CHUNK};
	hid_t dataset = compress && count > 0
		? mf_h5_create_compressed(f->out->file, name, file_type(kind), 1, dims, chunk)
		: mf_h5_create_dataset(f->out->file, name, file_type(kind), 1, dims, NULL, false);
	enum mf_status status = MF_OK;
	if (dataset < 0 || mf_h5_write_all(dataset, memory_type(kind), count, data) < 0)
		status = mf_output_fail(err, f->out, "write", name);
	if (dataset >= 0 && H5Dclose(dataset) < 0 && status == MF_OK)
		status = mf_output_fail(err, f->out, "write", name);
	mf_h5_quiet_end(&quiet);
	return status;
}

enum mf_status mf_state_file_put_text(struct mf_state_file *f, const char *name, const char *text,
				      struct mf_error *err)
{
	text = text ? text : "";
	return mf_state_file_put(f, name, MF_STATE_BYTES, strlen(text) + 1, text, 0, err);
}

/* The partial file's bytes on disk before it takes the checkpoint's name. */
static int sync_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	int synced = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return synced;
}

enum mf_status mf_state_file_commit(struct mf_state_file *f, struct mf_error *err)
{
	enum mf_status status = MF_OK;
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->out->hdf5_detail);
	if (mf_h5_put_int32_attr(f->out->file, "complete", 1) < 0)
		status = mf_output_fail(err, f->out, "write the global attributes", NULL);
	else if (H5Fclose(f->out->file) < 0)
		status = mf_output_fail(err, f->out, "close the file", NULL);
	else
		f->out->file = -1;
	if (status == MF_OK && (sync_file(f->out->partial) < 0 || rename(f->out->partial, f->path) < 0))
		status = mf_error_set(err, MF_ERR_IO, "cannot write %s: %s", f->path, strerror(errno));
	/* After the rename only the names are left to free. */
	mf_output_drop(f->out);
	mf_h5_quiet_end(&quiet);
	free(f);
	return status;
}

void mf_state_file_abandon(struct mf_state_file *f)
{
	if (!f)
		return;
	if (f->out) {
		struct mf_h5_quiet quiet;
		mf_h5_quiet_begin(&quiet, f->out->hdf5_detail);
		mf_output_drop(f->out);
		mf_h5_quiet_end(&quiet);
	}
	free(f);
}

/* ---- reading ---- */

static enum mf_status read_failed(struct mf_state_file *f, const char *name, struct mf_error *err)
{
	return mf_error_set(err, MF_ERR_INPUT, "%s: not a migflow checkpoint, or a damaged one (%s%s%s)",
			    f->path, name ? "'" : "", name ? name : "the file", name ? "'" : "");
}

struct mf_state_file *mf_state_file_open(const char *path, struct mf_error *err)
{
	struct mf_state_file *f = calloc(1, sizeof(*f));
	if (!f) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading a checkpoint");
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	if (access(path, R_OK) < 0) {
		mf_error_set(err, MF_ERR_IO, "cannot read %s: %s", path, strerror(errno));
		free(f);
		return NULL;
	}
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->detail);
	f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	bool ok = f->file >= 0 && H5Aexists(f->file, "migflow_checkpoint") > 0 &&
		  H5Aexists(f->file, "complete") > 0;
	mf_h5_quiet_end(&quiet);
	if (!ok) {
		read_failed(f, NULL, err);
		mf_state_file_close(f);
		return NULL;
	}
	return f;
}

void mf_state_file_close(struct mf_state_file *f)
{
	if (!f)
		return;
	if (f->file >= 0) {
		struct mf_h5_quiet quiet;
		mf_h5_quiet_begin(&quiet, f->detail);
		H5Fclose(f->file);
		mf_h5_quiet_end(&quiet);
	}
	free(f);
}

/* The dataset name and its number of values; -1 when it is missing. */
static hid_t open_array(struct mf_state_file *f, const char *name, size_t *count)
{
	if (H5Lexists(f->file, name, H5P_DEFAULT) <= 0)
		return -1;
	hid_t dataset = H5Dopen2(f->file, name, H5P_DEFAULT);
	hid_t space = dataset >= 0 ? H5Dget_space(dataset) : -1;
	hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
	if (space >= 0)
		H5Sclose(space);
	if (n < 0) {
		if (dataset >= 0)
			H5Dclose(dataset);
		return -1;
	}
	*count = (size_t)n;
	return dataset;
}

enum mf_status mf_state_file_count(struct mf_state_file *f, const char *name, size_t *count,
				   struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->detail);
	hid_t dataset = open_array(f, name, count);
	if (dataset >= 0)
		H5Dclose(dataset);
	mf_h5_quiet_end(&quiet);
	return dataset >= 0 ? MF_OK : read_failed(f, name, err);
}

enum mf_status mf_state_file_get(struct mf_state_file *f, const char *name,
				 enum mf_state_kind kind, size_t count, void *data,
				 struct mf_error *err)
{
	struct mf_h5_quiet quiet;
	mf_h5_quiet_begin(&quiet, f->detail);
	size_t stored = 0;
	hid_t dataset = open_array(f, name, &stored);
	enum mf_status status = MF_OK;
	if (dataset < 0)
		status = read_failed(f, name, err);
	else if (stored != count)
		status = mf_error_set(err, MF_ERR_INPUT,
				      "%s: '%s' holds %zu values where this run has %zu: a checkpoint of"
				      " another world or another version", f->path, name, stored, count);
	else if (count > 0 && H5Dread(dataset, memory_type(kind), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
		status = read_failed(f, name, err);
	if (dataset >= 0)
		H5Dclose(dataset);
	mf_h5_quiet_end(&quiet);
	return status;
}

char *mf_state_file_get_text(struct mf_state_file *f, const char *name, struct mf_error *err)
{
	size_t n = 0;
	if (mf_state_file_count(f, name, &n, err) != MF_OK)
		return NULL;
	char *text = malloc(n + 1);
	if (!text) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", f->path);
		return NULL;
	}
	if (mf_state_file_get(f, name, MF_STATE_BYTES, n, text, err) != MF_OK) {
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

const char *mf_state_file_path(const struct mf_state_file *f)
{
	return f->path;
}
