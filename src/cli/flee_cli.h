/* migflow flee and migflow validate: running FLEE instances and scoring
 * runs against their UNHCR data (see scenarios/FLEE.md). */
#ifndef MF_FLEE_CLI_H
#define MF_FLEE_CLI_H

/* migflow flee DIR [-o FILE] [--seed N] [--replicates N] [--days N]
 *                  [--threads N] [--hasten N] [--strict] [--force] [--quiet] */
int mf_cli_flee(int argc, char **argv);

/* migflow validate RUN.h5 [RUN.h5 ...] DIR [--no-store] [--quiet] */
int mf_cli_validate(int argc, char **argv);

#endif
