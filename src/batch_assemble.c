/* Writing a batch's file (include/migflow/batch.h): the member table and
 * every member's run file copied in (mf_batch_assemble), and removing the
 * work directory afterwards (mf_batch_remove_work_dir). */
#include "batch_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --- the batch file ------------------------------------------------------------ */

static enum mf_status write_member_table(const struct mf_batch *b, struct mf_output *out,
					 struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int n = b->n_members;
	size_t rows = n > 0 ? (size_t)n : 1;
	int n_columns = 6 + b->n_swept;
	const char **labels = calloc(rows, sizeof(*labels));
	const char **scenario = calloc(rows, sizeof(*scenario));
	const char **scenario_path = calloc(rows, sizeof(*scenario_path));
	const char **parameters = calloc(rows, sizeof(*parameters));
	const char **state = calloc(rows, sizeof(*state));
	double *seed = calloc(rows, sizeof(*seed));
	double *replicates = calloc(rows, sizeof(*replicates));
	double *swept = calloc(rows * (size_t)(b->n_swept ? b->n_swept : 1), sizeof(*swept));
	struct mf_table_column *columns = calloc((size_t)n_columns, sizeof(*columns));
	char (*names)[NAME_SIZE + 16] = calloc((size_t)(b->n_swept ? b->n_swept : 1), sizeof(*names));
	char (*long_names)[NAME_SIZE + 64] = calloc((size_t)(b->n_swept ? b->n_swept : 1),
						     sizeof(*long_names));
	if (!labels || !scenario || !scenario_path || !parameters || !state || !seed ||
	    !replicates || !swept || !columns || !names || !long_names) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++) {
		const struct member *m = &b->members[i];
		labels[i] = m->name;
		scenario[i] = b->scenarios[m->scenario].name;
		scenario_path[i] = b->scenarios[m->scenario].given;
		parameters[i] = m->parameters;
		state[i] = "complete";
		seed[i] = (double)b->scenarios[m->scenario].seed;
		replicates[i] = b->replicates;
		for (int j = 0; j < b->n_swept; j++)
			swept[(size_t)j * rows + (size_t)i] =
				b->points[(size_t)m->point * (size_t)b->n_swept + (size_t)j];
	}
	columns[0] = (struct mf_table_column){"scenario", "scenario of the member (its name in the "
		"batch)", NULL, MF_COLUMN_TEXT, NULL, scenario};
	columns[1] = (struct mf_table_column){"scenario_path", "scenario file as given in the batch "
		"file (relative to it)", NULL, MF_COLUMN_TEXT, NULL, scenario_path};
	columns[2] = (struct mf_table_column){"parameters", "parameters set for the member (JSON "
		"object)", NULL, MF_COLUMN_TEXT, NULL, parameters};
	columns[3] = (struct mf_table_column){"status", "state of the member's group", NULL,
		MF_COLUMN_TEXT, NULL, state};
	columns[4] = (struct mf_table_column){"seed", "random seed of the member (float64: exact "
		"below 2^53)", "1", MF_COLUMN_NUMBER, seed, NULL};
	columns[5] = (struct mf_table_column){"replicates", "replicates of the member", "1",
		MF_COLUMN_NUMBER, replicates, NULL};
	for (int j = 0; j < b->n_swept; j++) {
		snprintf(names[j], sizeof(names[j]), "parameter_%s", b->swept[j].name);
		snprintf(long_names[j], sizeof(long_names[j]), "value of the swept parameter %s",
			 b->swept[j].name);
		columns[6 + j] = (struct mf_table_column){names[j], long_names[j],
			b->swept[j].kind == PARAMETER_SOURCE_RATE ? "1" : NULL, MF_COLUMN_NUMBER,
			swept + (size_t)j * rows, NULL};
	}
	struct mf_table table = {
		.dimension = "member",
		.long_name = "member of the batch (group members/<member>)",
		.n_rows = n,
		.labels = labels,
		.n_columns = n_columns,
		.columns = columns,
	};
	status = mf_output_add_table(out, &table, err);
done:
	free(long_names);
	free(names);
	free(columns);
	free(swept);
	free(replicates);
	free(seed);
	free(state);
	free(parameters);
	free(scenario_path);
	free(scenario);
	free(labels);
	return status;
}

enum mf_status mf_batch_assemble(const struct mf_batch *batch, const char *work_dir,
				 const char *out_path, bool force, struct mf_error *err)
{
	struct mf_run_stats total = {0};
	for (int i = 0; i < batch->n_members; i++) {
		if (!mf_batch_member_done(batch, i, work_dir))
			return mf_error_set(err, MF_ERR_INTERNAL, "batch: member %s is not done",
					    batch->members[i].name);
	}
	struct mf_output *out = mf_output_create_batch(out_path, force, err);
	if (!out)
		return err ? err->code : MF_ERR_IO;
	enum mf_status status = MF_OK;
	if ((status = mf_output_add_text_attribute(out, "batch_name", batch->name, err)) != MF_OK ||
	    (status = mf_output_add_text_attribute(out, "batch_path", batch->path, err)) != MF_OK ||
	    (status = mf_output_add_text_attribute(out, "batch", batch->text, err)) != MF_OK ||
	    (status = write_member_table(batch, out, err)) != MF_OK)
		goto fail;
	for (int i = 0; i < batch->n_members; i++) {
		char *path = mf_batch_member_path(batch, i, work_dir);
		char group[NAME_SIZE + 16];
		snprintf(group, sizeof(group), "members/%s", batch->members[i].name);
		struct mf_run_stats stats = {0};
		if (!path) {
			status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		} else if ((status = mf_output_probe(path, NULL, NULL, &stats, err)) == MF_OK) {
			status = mf_output_add_run(out, group, path, err);
			total.agent_steps += stats.agent_steps;
			total.wall_seconds += stats.wall_seconds;
		}
		free(path);
		if (status != MF_OK)
			goto fail;
	}
	return mf_output_finish(out, &total, err);
fail:
	mf_output_discard(out);
	return status;
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t n = strlen(text), m = strlen(suffix);
	return n >= m && strcmp(text + n - m, suffix) == 0;
}

int mf_batch_remove_work_dir(const char *work_dir)
{
	DIR *dir = opendir(work_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		if (!ends_with(entry->d_name, ".h5") && !ends_with(entry->d_name, ".h5.partial") &&
		    !ends_with(entry->d_name, ".h5.state") && !ends_with(entry->d_name, ".h5.state.partial"))
			continue;
		char path[PATH_SIZE];
		int n = snprintf(path, sizeof(path), "%s/%s", work_dir, entry->d_name);
		if (n > 0 && (size_t)n < sizeof(path))
			unlink(path);
	}
	closedir(dir);
	return rmdir(work_dir);
}
