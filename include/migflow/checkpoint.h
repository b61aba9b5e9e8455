/* Checkpoints and branches of an ensemble (mf_ensemble_run, ensemble.h).
 *
 * A checkpoint is the whole state of an ensemble after a simulated day:
 * the state of the run in progress (agents, world, parameters, counts,
 * event cursor; the random draws are keyed by seed, replicate and day), the
 * counts of every day simulated so far, and a record the front end keeps
 * (the command line). It is written atomically: a run killed while writing
 * leaves the previous checkpoint whole. Resuming gives the sinks the saved
 * days again, then simulates on: the result is the uninterrupted run's.
 *
 * A branch starts another scenario from a state saved of its parent, on
 * the state's day: allowed when the two are the same world before that day
 * (network, sources, parameters, events ...); the branch is then what the
 * other scenario gives when run from day 0. */
#ifndef MIGFLOW_CHECKPOINT_H
#define MIGFLOW_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migflow/error.h"

struct mf_checkpoint_options {
	const char *path;        /* where checkpoints go (NULL: none are written) */
	int every_days;          /* one every N simulated days of a run (0: none) */
	int at_day;              /* one when a run has done this many days (0: none) */
	bool on_cancel;          /* one when the run is cancelled */
	const char *resume;      /* continue the ensemble saved there (NULL: start) */
	const char *branch;      /* start from this state of a parent scenario */
	const void *record;      /* the front end's record of the run, kept as is */
	size_t record_size;
};

/* What a checkpoint file says of itself. */
struct mf_checkpoint_info {
	int day;                 /* days done by the run in progress */
	char date[16];           /* the date of that day, YYYY-MM-DD */
	int run, runs;           /* the run in progress (0-based) and the runs */
	int days;                /* days of each run */
	uint64_t seed;
	uint32_t replicate;      /* the replicate of the run in progress */
	int replicates;          /* 0: a single run */
	char scenario[4096];     /* the scenario's path and name */
	char name[128];
	void *record;            /* the front end's record (owned) */
	size_t record_size;
};

/* Reads what path says of itself. Caller frees with
 * mf_checkpoint_info_finish. */
enum mf_status mf_checkpoint_info_read(const char *path, struct mf_checkpoint_info *info,
				       struct mf_error *err);
void mf_checkpoint_info_finish(struct mf_checkpoint_info *info);

#endif
