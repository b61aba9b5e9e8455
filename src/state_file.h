/* A checkpoint's file: named arrays of a simulation's state in HDF5,
 * written as path.partial and renamed over path only once complete and
 * closed (a kill mid-write leaves the previous checkpoint whole), and read
 * back with every size checked. The engine (checkpoint.c) decides what the
 * arrays are; this module only stores them (src/output/state_file.c). */
#ifndef MF_STATE_FILE_H
#define MF_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "migflow/error.h"

/* How an array is stored: raw bytes (counts in bytes), or numbers. */
enum mf_state_kind { MF_STATE_BYTES, MF_STATE_I64, MF_STATE_F64 };

struct mf_state_file;

/* An array of a rule set's state, for checkpoints (engine.h): count values
 * of kind at data (bytes for MF_STATE_BYTES). */
struct mf_state_array {
	const char *name;
	enum mf_state_kind kind;
	size_t count;
	void *data;
};

/* Starts writing path (as path.partial). Caller ends with
 * mf_state_file_commit or mf_state_file_abandon. */
struct mf_state_file *mf_state_file_create(const char *path, struct mf_error *err);

/* Stores count values (bytes for MF_STATE_BYTES) under name; big arrays
 * are chunked and compressed when compress is set. */
enum mf_status mf_state_file_put(struct mf_state_file *file, const char *name,
				 enum mf_state_kind kind, size_t count, const void *data,
				 int compress, struct mf_error *err);

/* Stores a text (as a byte array with its terminating NUL). */
enum mf_status mf_state_file_put_text(struct mf_state_file *file, const char *name,
				      const char *text, struct mf_error *err);

/* Closes, flushes to disk and renames over path; frees file in any case
 * (the partial file is removed on failure). */
enum mf_status mf_state_file_commit(struct mf_state_file *file, struct mf_error *err);

/* Removes the partial file and frees. Accepts NULL. */
void mf_state_file_abandon(struct mf_state_file *file);

/* Opens a checkpoint for reading; NULL and err when it is not one. Caller
 * closes with mf_state_file_close. */
struct mf_state_file *mf_state_file_open(const char *path, struct mf_error *err);
void mf_state_file_close(struct mf_state_file *file);

/* Number of values stored under name (MF_ERR_INPUT when missing). */
enum mf_status mf_state_file_count(struct mf_state_file *file, const char *name,
				   size_t *count, struct mf_error *err);

/* Reads exactly count values stored under name (MF_ERR_INPUT, naming the
 * file and the array, when the file holds another number: a checkpoint of
 * another world). */
enum mf_status mf_state_file_get(struct mf_state_file *file, const char *name,
				 enum mf_state_kind kind, size_t count, void *data,
				 struct mf_error *err);

/* A text stored by mf_state_file_put_text; caller frees. NULL and err on
 * failure. */
char *mf_state_file_get_text(struct mf_state_file *file, const char *name, struct mf_error *err);

/* The path, for messages. */
const char *mf_state_file_path(const struct mf_state_file *file);

#endif
