/* Private to the batch module (include/migflow/batch.h): the batch as read
 * from its file, which batch_load.c fills and batch.c (running members)
 * and batch_assemble.c (writing the batch's file) read. Batches: scenarios
 * x parameter sweep x replicates, one member file each, assembled into one
 * HDF5 file. */
#ifndef MF_BATCH_PRIVATE_H
#define MF_BATCH_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "migflow/batch.h"

#define PARAMETERS_MAX 64
#define NAME_SIZE 128
#define PATH_SIZE 1024

enum parameter_kind {
	PARAMETER_MODEL,       /* a model parameter (parameters.h), resolved per scenario */
	PARAMETER_SOURCE_RATE, /* source_rate[.<place>[.<intent>]], a multiplier */
	PARAMETER_FLEE,        /* flee.<number of move_rules>, scenarios with rules flee */
};

/* A parameter a batch sets, resolved from its name. */
struct parameter {
	char name[NAME_SIZE];
	enum parameter_kind kind;
	int intent;            /* SOURCE_RATE: -1 = every intent */
	char place[MF_ID_MAX]; /* SOURCE_RATE: "" = every place */
	double min, max;
};

struct batch_scenario {
	char path[PATH_SIZE];    /* as opened: relative to the batch file's directory */
	char given[PATH_SIZE];   /* as written in the batch file */
	char name[MF_NAME_MAX];  /* member name prefix */
	uint64_t seed;           /* the seed its members use */
	uint64_t text_hash;      /* of its resolved text and source files */
};

struct member {
	char name[NAME_SIZE];
	int scenario;
	int point;               /* sweep point, -1 without a sweep */
	char *parameters;        /* JSON object */
	char *key;               /* what its data depend on */
};

struct mf_batch {
	char path[PATH_SIZE];
	char name[MF_NAME_MAX];
	char *text;              /* the batch file as read */
	int days;                /* 0: each scenario's */
	int agent_scale;         /* 0: each scenario's */
	bool has_seed;
	uint64_t seed;
	int replicates;
	/* `posterior:` (relative to the batch file), "" if none: replicates
	 * are then draws from it (migflow run --posterior). */
	char posterior[PATH_SIZE];
	uint64_t posterior_hash;  /* of the file's bytes, for member keys */
	/* `from_state:` (relative to the batch file), "" if none: every member
	 * branches from this state of its parent (migflow run --from-state). */
	char from_state[PATH_SIZE];
	int checkpoint_every;     /* `checkpoint_every:` days, 0: on interruption only */
	int n_scenarios;
	struct batch_scenario *scenarios;
	int n_fixed;             /* `parameters:`, the same for every member */
	struct parameter fixed[PARAMETERS_MAX];
	double fixed_values[PARAMETERS_MAX];
	int n_swept;             /* the sweep's parameters */
	struct parameter swept[PARAMETERS_MAX];
	int n_points;            /* 0 without a sweep */
	double *points;          /* [point * n_swept + parameter] */
	int n_members;
	struct member *members;
};

#endif
