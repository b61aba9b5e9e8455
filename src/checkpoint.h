/* Checkpoints of a simulation (checkpoint.c): the whole state after the
 * last simulated day (world, parameters, agents, counts, the rule set's own
 * arrays, the event cursor; the random draws are keyed by seed, replicate
 * and day, so nothing of a generator is kept), the days' counts so far
 * (the history that is replayed to the sinks on resuming), and the
 * fingerprint that says whether another scenario is the same world up to a
 * day (branching). The ensemble (ensemble.c) decides when. */
#ifndef MF_CHECKPOINT_H
#define MF_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "state_file.h"

/* Whether sim's rule set can be checkpointed, and its name. */
bool mf_sim_can_checkpoint(const struct mf_sim *sim);
const char *mf_sim_rules_name(const struct mf_sim *sim);

/* Writes sim's state into file. MF_ERR_INPUT when its rule set cannot be
 * checkpointed. */
enum mf_status mf_sim_save(const struct mf_sim *sim, struct mf_state_file *file,
			   struct mf_error *err);

/* Puts a simulation just created (day 0) into the state saved in file.
 * branch: the file holds a state of another scenario that is the same
 * world up to its day (checked by the caller); the events still to come
 * are sim's own. */
enum mf_status mf_sim_restore(struct mf_sim *sim, struct mf_state_file *file, bool branch,
			      struct mf_error *err);

/* Hashes of everything that decides a simulation before day before_day,
 * by part: settings (start, agent scale, rules, destination), network,
 * sources, initial population, monitoring points and expulsions,
 * parameters, and the events of the days before (not where they were
 * written). Two scenarios with the same hashes simulate the same days
 * before before_day. */
enum {
	MF_FINGERPRINT_SETTINGS, MF_FINGERPRINT_NETWORK, MF_FINGERPRINT_SOURCES,
	MF_FINGERPRINT_INITIAL, MF_FINGERPRINT_MONITORS, MF_FINGERPRINT_PARAMETERS,
	MF_FINGERPRINT_EVENTS, MF_FINGERPRINT_COUNT
};
void mf_scenario_fingerprints(const struct mf_scenario *scenario, int before_day,
			      uint64_t fingerprint[MF_FINGERPRINT_COUNT]);

/* What part i of the fingerprints covers ("network", "parameters" ...). */
const char *mf_fingerprint_name(int i);

/* The names of the parameters whose values differ between a and b (their
 * stay_days_by_country arrays of n_countries), ", "-separated into out. */
void mf_parameters_differences(const struct mf_parameters *a, const struct mf_parameters *b,
			       int n_countries, char *out, size_t size);

/* The counts of every day simulated so far, run by run (the day's counts
 * and the totals at its end), to give the sinks again on resuming. */
struct mf_history;

/* For `runs` runs of `days` days of simulations like sim. NULL when out of
 * memory. */
struct mf_history *mf_history_create(int runs, int days, const struct mf_sim *sim);
void mf_history_destroy(struct mf_history *history);

/* Appends sim's day just stepped to run's history; false when out of
 * memory. */
bool mf_history_record(struct mf_history *history, int run, const struct mf_sim *sim);

/* Days recorded for run. */
int mf_history_days(const struct mf_history *history, int run);

/* Puts day `day` of run into sim's day counts and totals (sim stands for
 * the run while the sinks are given the day again). */
void mf_history_unpack(const struct mf_history *history, int run, int day, struct mf_sim *sim);

/* Runs 0 .. last (run last up to its days recorded) into file, and back. */
enum mf_status mf_history_save(const struct mf_history *history, int last,
			       struct mf_state_file *file, struct mf_error *err);
enum mf_status mf_history_load(struct mf_history *history, int last, int days_of_last,
			       struct mf_state_file *file, struct mf_error *err);
/* Run saved_run's first days saved in file, as run `run`. */
enum mf_status mf_history_load_run(struct mf_history *history, int run, int saved_run, int days,
				   struct mf_state_file *file, struct mf_error *err);

/* ---- the ensemble's checkpoints (ensemble_checkpoint.c) ---- */

struct mf_checkpoint_options;

/* An ensemble that writes checkpoints, resumes or branches. */
struct mf_checkpointing {
	const struct mf_checkpoint_options *options;
	const struct mf_scenario *scenario;
	int runs, days, replicates;
	uint32_t first_replicate;    /* of a single run */
	uint64_t seed;
	struct mf_history *history;  /* created with the first simulation */
	int written, written_day;    /* checkpoints written, and the last one's day */
	double write_seconds, restore_seconds;
	/* Resuming or branching: where the saved state is. */
	struct mf_state_file *from;
	int from_run, from_day;
	int from_saved_run;          /* the run in progress in the file */
};

/* Opens the state to resume or branch from, if any, and checks it against
 * the ensemble (c->options, c->scenario, runs, days, seed, replicates set
 * by the caller). */
enum mf_status mf_checkpointing_open(struct mf_checkpointing *c, struct mf_error *err);

/* Whether a checkpoint is due after the day sim has just done. */
bool mf_checkpointing_due(const struct mf_checkpointing *c, const struct mf_sim *sim);

/* Writes the checkpoint of the ensemble, run `run` in progress as sim. */
enum mf_status mf_checkpointing_write(struct mf_checkpointing *c, int run, const struct mf_sim *sim,
				      struct mf_error *err);

/* Puts sim (run c->from_run, just created) into the saved state and loads
 * the saved days of runs 0 .. from_run into the history. */
enum mf_status mf_checkpointing_restore(struct mf_checkpointing *c, struct mf_sim *sim,
					struct mf_error *err);

/* Frees what c holds. */
void mf_checkpointing_finish(struct mf_checkpointing *c);

#endif
