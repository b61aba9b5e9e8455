/* A subcommand's command line as a table (options.c): each subcommand says
 * which options it takes and where their values go, and one parser reads
 * argv and words every misuse the same way, naming the option and what it
 * expects:
 *
 *   migflow run: error: option '--days' expects a whole number in 1..60000, got 'abc'
 *
 * followed by the subcommand's usage on stderr (exit 2). */
#ifndef MF_CLI_OPTIONS_H
#define MF_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum mf_cli_kind {
	MF_CLI_FLAG,   /* bool: set when given */
	MF_CLI_TEXT,   /* const char *: a non-empty value */
	MF_CLI_INT,    /* int: a whole number in [min, max] */
	MF_CLI_U64,    /* uint64_t: a whole number in [min, max] (seeds, budgets) */
	MF_CLI_NUMBER, /* double: a number in [low, high] */
};

struct mf_cli_option {
	const char *name;    /* "--days" */
	const char *alias;   /* "-o" for "--output"; NULL when none */
	enum mf_cli_kind kind;
	void *value;         /* bool *, const char **, int *, uint64_t * or double * */
	long long min, max;  /* MF_CLI_INT, MF_CLI_U64 */
	double low, high;    /* MF_CLI_NUMBER */
	bool *given;         /* set when the option is given; NULL when nobody asks */
	/* What a value must be, when "a whole number in MIN..MAX" or "a number
	 * in LOW..HIGH" does not say it all; NULL otherwise. */
	const char *expects;
	bool (*valid)(long long value); /* a further condition on a whole number; NULL: none */
};

struct mf_cli_command {
	const char *name;           /* "run": messages start "migflow run: error: " */
	void (*usage)(FILE *out);   /* -h, --help: to stdout; after an error: to stderr */
	const struct mf_cli_option *options;
	size_t n_options;
	/* The positional arguments, in order, into positional[0..max_positional);
	 * *n_positional counts them (NULL when nobody asks). */
	const char **positional;
	int max_positional;
	int *n_positional;
	const char *too_many; /* why one more is refused: "one scenario per run"; NULL: none */
};

/* The table's rows: option NAME stores into FIELD (a pointer). */
#define MF_OPT_FLAG(NAME, FIELD) {.name = (NAME), .kind = MF_CLI_FLAG, .value = (FIELD)}
#define MF_OPT_TEXT(NAME, FIELD) {.name = (NAME), .kind = MF_CLI_TEXT, .value = (FIELD)}
#define MF_OPT_OUTPUT(FIELD) {.name = "--output", .alias = "-o", .kind = MF_CLI_TEXT, .value = (FIELD)}
#define MF_OPT_INT(NAME, FIELD, MIN, MAX) \
	{.name = (NAME), .kind = MF_CLI_INT, .value = (FIELD), .min = (MIN), .max = (MAX)}
#define MF_OPT_U64(NAME, FIELD, MIN, MAX) \
	{.name = (NAME), .kind = MF_CLI_U64, .value = (FIELD), .min = (MIN), .max = (MAX)}
#define MF_OPT_NUMBER(NAME, FIELD, LOW, HIGH) \
	{.name = (NAME), .kind = MF_CLI_NUMBER, .value = (FIELD), .low = (LOW), .high = (HIGH)}
/* --seed N: any whole number a seed can be; *GIVEN set when given. */
#define MF_OPT_SEED(FIELD, GIVEN)                                                     \
	{.name = "--seed", .kind = MF_CLI_U64, .value = (FIELD), .min = 0, .max = INT64_MAX, \
	 .given = (GIVEN), .expects = "a whole number >= 0"}

/* Reads argv[1..argc) into the command's fields. Returns -1 when the
 * command goes on, EXIT_OK after --help and EXIT_USAGE after an error
 * (message and usage on stderr). */
int mf_cli_parse_options(const struct mf_cli_command *command, int argc, char **argv);

/* An error found once the options are read (a missing argument, options
 * that exclude each other): "migflow NAME: error: ..." and the usage on
 * stderr. Returns EXIT_USAGE. */
int mf_cli_usage_error(const struct mf_cli_command *command, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Parses a whole non-negative decimal number up to max (no sign, no junk). */
bool mf_cli_parse_count(const char *text, long long max, long long *value);

/* Parses a number in [min, max] (no junk after it). */
bool mf_cli_parse_number(const char *text, double min, double max, double *value);

#endif
