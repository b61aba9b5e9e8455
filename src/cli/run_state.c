/* migflow run's checkpoints on the command line: the record a checkpoint
 * keeps of the run (the directory it was started in and its arguments),
 * and the command line of a resumed run rebuilt from it. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void *mf_cli_run_record(int argc, char **argv, size_t *size)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	size_t n = strlen(cwd) + 1;
	for (int i = 1; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *record = malloc(n), *at = record;
	if (!record)
		return NULL;
	at = stpcpy(at, cwd) + 1;
	for (int i = 1; i < argc; i++)
		at = stpcpy(at, argv[i]) + 1;
	*size = n;
	return record;
}

/* The options of the resuming command line to add: all but --resume FILE. */
static bool added(int i, char **argv)
{
	return strcmp(argv[i], "--resume") != 0 && (i == 0 || strcmp(argv[i - 1], "--resume") != 0);
}

int mf_cli_run_resume_argv(const char *checkpoint, int argc, char **argv, struct run_resume *out,
			   struct mf_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!realpath(checkpoint, out->checkpoint)) {
		mf_error_set(err, MF_ERR_IO, "cannot read %s: %s", checkpoint, strerror(errno));
		return -1;
	}
	if (mf_checkpoint_info_read(out->checkpoint, &out->info, err) != MF_OK)
		return -1;
	const char *record = out->info.record, *end = record + out->info.record_size;
	if (out->info.record_size == 0 || end[-1] != '\0') {
		mf_error_set(err, MF_ERR_INPUT, "%s: written by another program than migflow run (no"
			     " command line kept)", checkpoint);
		return -1;
	}
	int stored = 0;
	for (const char *p = record; p < end; p += strlen(p) + 1)
		stored++;
	out->argv = calloc((size_t)(stored + argc + 1), sizeof(char *));
	if (!out->argv) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return -1;
	}
	/* argv[0] is the command's name; the record's first text the directory. */
	const char *directory = record;
	out->argv[out->argc++] = argv[0];
	for (const char *p = record + strlen(record) + 1; p < end; p += strlen(p) + 1)
		out->argv[out->argc++] = (char *)p;
	for (int i = 1; i < argc; i++)
		if (added(i, argv))
			out->argv[out->argc++] = argv[i];
	if (chdir(directory) < 0) {
		mf_error_set(err, MF_ERR_IO, "%s: cannot enter %s, where the run was started: %s",
			     checkpoint, directory, strerror(errno));
		return -1;
	}
	return 0;
}

void mf_cli_run_resume_free(struct run_resume *resume)
{
	free(resume->argv);
	resume->argv = NULL;
	mf_checkpoint_info_finish(&resume->info);
}
