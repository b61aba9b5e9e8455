/* migflow batch: run the members of a batch file and write one HDF5 file.
 *
 * Built with -Dmpi=enabled, `mpirun -np N migflow batch ...` spreads the
 * members over the ranks: rank 0 lists the members still to run and
 * broadcasts the list; the k-th of them runs on rank k mod N (each rank with
 * its OpenMP threads), written as its own file into the work directory
 * OUT.h5.work/, which must therefore be on a file system all ranks share
 * (as the output directory of a cluster job is). When every rank is done,
 * rank 0 alone copies the member files into OUT.h5 (HDF5 stays serial) and
 * removes the work directory. A member's data do not depend on the rank or
 * the number of ranks that computed it. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#include "cli.h"

/* Set by SIGINT/SIGTERM: the member being run stops and is not written;
 * finished members stay in the work directory. */
static volatile sig_atomic_t batch_interrupted;

static void on_signal(int signal_number)
{
	(void)signal_number;
	batch_interrupted = 1;
}

static bool is_interrupted(void *user)
{
	(void)user;
	return batch_interrupted != 0;
}

struct batch_args {
	const char *batch, *output;
	bool force, quiet;
	int threads;
};

static void batch_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow batch BATCH.yaml [-o OUT.h5] [--force] [--quiet] [--threads N]\n\n"
		"Runs every member of BATCH.yaml (scenarios x parameter sweep, each with its\n"
		"replicates) and writes one HDF5 file with a group members/<member> each.\n"
		"Members are kept in OUT.h5.work/ until all are done: running the same command\n"
		"again after an interruption keeps the finished members and runs the rest.\n"
		"Under mpirun (a build with -Dmpi=enabled) the members are spread over the ranks.\n\n"
		"options:\n"
		"  -o, --output FILE  output file (default: the batch file's name + .h5)\n"
		"      --force        overwrite an existing output file\n"
		"      --quiet        print nothing but errors\n"
		"      --threads N    OpenMP threads per member (per rank under MPI)\n"
		"  -h, --help         this help\n");
}

/* Returns -1 when the batch goes on, otherwise its exit code. */
static int parse_args(int argc, char **argv, struct batch_args *args)
{
	*args = (struct batch_args){0};
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--force", &args->force),
		MF_OPT_FLAG("--quiet", &args->quiet),
		MF_OPT_OUTPUT(&args->output),
		MF_OPT_INT("--threads", &args->threads, 1, 1024),
	};
	const struct mf_cli_command command = {
		.name = "batch", .usage = batch_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &args->batch, .max_positional = 1, .too_many = "one batch file",
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code < 0 && !args->batch)
		code = mf_cli_usage_error(&command, "no batch file given");
	return code;
}

/* How the members went on one rank, ordered so that the worst wins. */
enum outcome { OUTCOME_DONE, OUTCOME_FAILED, OUTCOME_INTERRUPTED };

/* Runs the members assigned to this rank; returns its outcome. */
static enum outcome run_members(const struct batch_args *args, const struct ranks *ranks,
				const struct mf_batch *batch, const char *work_dir,
				const int *finished, int *computed)
{
	int n = mf_batch_member_count(batch);
	const char *stop_text = getenv("MIGFLOW_BATCH_STOP_AFTER"); /* test hook */
	long stop_after = stop_text && *stop_text ? strtol(stop_text, NULL, 10) : 0;
	struct mf_batch_run_options options = {.threads = args->threads,
					       .cancelled = is_interrupted};
	enum outcome outcome = OUTCOME_DONE;
	int pending = 0;
	for (int i = 0; i < n; i++) {
		if (finished[i])
			continue;
		if (pending++ % ranks->size != ranks->rank)
			continue;
		if (batch_interrupted)
			return OUTCOME_INTERRUPTED;
		struct mf_error err = {0};
		struct mf_run_stats stats = {0};
		enum mf_status status = mf_batch_run_member(batch, i, work_dir, &options, &stats, &err);
		if (status == MF_ERR_CANCELLED)
			return OUTCOME_INTERRUPTED;
		if (status != MF_OK) {
			mf_cli_print_error(&err);
			fprintf(stderr, "migflow batch: member %s failed; the others go on\n",
				mf_batch_member_name(batch, i));
			outcome = OUTCOME_FAILED;
			continue;
		}
		(*computed)++;
		if (!args->quiet) {
			char where[32] = "";
			if (ranks->size > 1)
				snprintf(where, sizeof(where), " on rank %d", ranks->rank);
			printf("[%d/%d] %s: %d replicate%s in %.2f s%s\n", i + 1, n,
			       mf_batch_member_name(batch, i), mf_batch_replicates(batch),
			       mf_batch_replicates(batch) > 1 ? "s" : "", stats.wall_seconds, where);
			fflush(stdout);
		}
		if (stop_after > 0 && *computed >= stop_after)
			batch_interrupted = 1;
	}
	return outcome;
}

int mf_cli_batch(int argc, char **argv)
{
	struct batch_args args;
	int code;
	if ((code = parse_args(argc, argv, &args)) >= 0)
		return code;
	char output[1024];
	if (args.output)
		snprintf(output, sizeof(output), "%s", args.output);
	else
		mf_cli_default_output(args.batch, output, sizeof(output));

	struct ranks ranks;
	ranks_start(&ranks);
	bool lead = ranks.rank == 0;
	struct mf_error err = {0};
	enum mf_status status = MF_OK;
	char *work_dir = NULL;
	int *finished = NULL; /* [member]: kept from an earlier run; [n]: rank 0's status */
	struct mf_batch *batch = mf_batch_load(args.batch, &err);
	if (!batch) {
		status = err.code;
		goto done;
	}
	int n = mf_batch_member_count(batch);
	work_dir = mf_batch_work_dir(output);
	finished = calloc((size_t)n + 1, sizeof(*finished));
	if (!work_dir || !finished) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* Rank 0 decides, on behalf of all: may the output be written, is the
	 * work directory there, and which members are done already. */
	if (lead) {
		if (!args.force && access(output, F_OK) == 0)
			status = mf_error_set(&err, MF_ERR_EXISTS,
					      "output file %s exists; use --force to overwrite it or -o "
					      "to choose another", output);
		else if (mkdir(work_dir, 0777) < 0 && errno != EEXIST)
			status = mf_error_set(&err, MF_ERR_IO, "cannot create %s: %s", work_dir,
					      strerror(errno));
		for (int i = 0; status == MF_OK && i < n; i++)
			finished[i] = mf_batch_member_done(batch, i, work_dir);
		finished[n] = (int)status;
	}
	ranks_broadcast(&ranks, finished, n + 1);
	if (finished[n] != MF_OK) {
		status = lead ? status : (enum mf_status)finished[n];
		goto done;
	}
	int kept = 0;
	for (int i = 0; i < n; i++)
		kept += finished[i];
	if (lead && !args.quiet) {
		printf("batch '%s': %d member%s x %d replicate%s", mf_batch_name(batch), n,
		       n == 1 ? "" : "s", mf_batch_replicates(batch),
		       mf_batch_replicates(batch) == 1 ? "" : "s");
		if (kept)
			printf(", %d kept from an earlier run", kept);
		if (ranks.size > 1)
			printf(", over %d ranks", ranks.size);
		printf("\n");
		fflush(stdout);
	}

	struct sigaction action = {.sa_handler = on_signal};
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	int computed = 0;
	enum outcome outcome = run_members(&args, &ranks, batch, work_dir, finished, &computed);
	outcome = (enum outcome)ranks_max(&ranks, (int)outcome);
	if (outcome == OUTCOME_INTERRUPTED) {
		status = mf_error_set(&err, MF_ERR_CANCELLED,
				      "interrupted; the finished members, and the checkpoint of the one "
				      "interrupted, are kept in %s: run the same command again to finish "
				      "the batch", work_dir);
		goto done;
	}
	if (outcome == OUTCOME_FAILED) {
		status = mf_error_set(&err, MF_ERR_INTERNAL,
				      "some members failed (see above); the others are kept in %s: "
				      "run the same command again to retry", work_dir);
		goto done;
	}
	if (lead) {
		status = mf_batch_assemble(batch, work_dir, output, args.force, &err);
		if (status == MF_OK && mf_batch_remove_work_dir(work_dir) < 0)
			fprintf(stderr, "migflow batch: warning: could not remove %s: %s\n", work_dir,
				strerror(errno));
		if (status == MF_OK && !args.quiet)
			printf("batch '%s': %d members written to %s\n", mf_batch_name(batch), n, output);
	}
	/* The other ranks wait for the file, so that the job ends with it. */
	status = (enum mf_status)ranks_max(&ranks, (int)status);
done:
	/* Every rank reads the same files and learns the same outcome: rank 0
	 * speaks for all (a member's own failure is told by its rank). */
	if (status != MF_OK && lead)
		mf_cli_print_error(&err);
	free(finished);
	free(work_dir);
	mf_batch_destroy(batch);
	ranks_end(&ranks);
	return status == MF_ERR_CANCELLED ? EXIT_CHECKPOINTED : mf_cli_exit_code(status);
}
