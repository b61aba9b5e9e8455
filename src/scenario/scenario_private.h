/* Reading a scenario (migflow/scenario.h), one job per file:
 *
 *   read.c              the top level: the file and the files it extends,
 *                       top-level keys, the network, the order of blocks
 *   names.c             places, links, countries, `where` and the link
 *                       selectors of events, by name with suggestions
 *   parameters_block.c  `parameters:`, by the table of migflow/model.h
 *   populations.c       `sources:`, `initial:` and `expulsions:`
 *   monitoring.c        `monitoring:`
 *   events.c            `events:`, one reader per kind of event
 *   policies.c          `policies:` and the events that switch them
 *   calibrate_block.c   `calibrate:`, the free parameters
 *   template.c          a scenario kept as its tree, built again with other
 *                       values of its free parameters (calibration)
 *
 * Every reader returns 0, or -1 with the error (file:line:column and the
 * field) in r->err. */
#ifndef MF_SCENARIO_PRIVATE_H
#define MF_SCENARIO_PRIVATE_H

#include <stdio.h>

#include "migflow/scenario.h"
#include "yamltree.h"

/* Everything the readers need: the document, the scenario being filled,
 * and where errors go. */
struct reader {
	const struct yt_doc *doc;
	struct mf_scenario *s;
	struct mf_error *err;
	bool inherit_calibrate; /* read the calibrate block of a file extended */
};

#define FIELD(buffer, ...) snprintf(buffer, sizeof(buffer), __VA_ARGS__)

/* calibrate_block.c: the nodes a free parameter's path names (yt_select),
 * among the values of the file that declares its calibrate block
 * (declared_in) and the files it extends: a scenario extending a calibrated
 * one adds values (events, sources) that are not the calibration's. */
int mf_calibrate_select(const struct yt_doc *doc, const char *declared_in, const char *path,
			struct yt_node **found, int max);

/* read.c */

/* The file at path and the chain of files it extends, as one tree
 * (`events` appended to the parent's). NULL and err on failure. */
struct yt_doc *mf_read_tree(const char *path, struct mf_error *err);

/* A scenario read from the tree of doc (which stays the caller's); with
 * inherit_calibrate, the free parameters of a calibrate block written in
 * a file it extends too. */
struct mf_scenario *mf_read_scenario(const char *path, struct yt_doc *doc, bool inherit_calibrate,
				     struct mf_error *err);

/* An error at node, naming field. Returns -1. */
int mf_read_fail(struct reader *r, const struct yt_node *node, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fails on the first of keys that m lacks, naming where.key. */
int mf_read_require_keys(struct reader *r, const struct yt_node *m, const char *where,
			 const char *const *keys, int n);

/* The value of exactly one of the keys first and second (second may be
 * NULL: first is required); *which is 0 or 1. NULL and the error when both
 * or neither are given. */
const struct yt_node *mf_read_one_of(struct reader *r, const struct yt_node *m, const char *where,
				     const char *first, const char *second, int *which);

/* names.c */

/* A place by id, with a suggestion when it is misspelt. */
int mf_read_place(struct reader *r, const struct yt_node *node, const char *field, int *place);

/* A link written as [from, to]. */
int mf_read_link(struct reader *r, const struct yt_node *node, const char *field, int *link);

/* A country by name, with a suggestion. */
int mf_read_country(struct reader *r, const struct yt_node *node, const char *field, int *country);

/* A mapping place -> positive weight. */
int mf_read_goal_set(struct reader *r, const struct yt_node *node, const char *field,
		     struct mf_goal_set *set);

/* The places named by `where` (a place id, a region or a country) into
 * e->places, and e->target. */
int mf_read_where(struct reader *r, const struct yt_node *node, const char *field, struct mf_event *e);

/* The links an event acts on (exactly one of link, links, place, border or
 * country, optionally narrowed by mode) into e->links, and e->target. */
int mf_read_event_links(struct reader *r, const struct yt_node *m, const char *where,
			struct mf_event *e);

/* parameters_block.c */

int mf_read_parameters(struct reader *r, const struct yt_node *map);

/* populations.c */

int mf_read_sources(struct reader *r, const struct yt_node *list);
int mf_read_initial(struct reader *r, const struct yt_node *list);
int mf_read_expulsions(struct reader *r, const struct yt_node *list);

/* monitoring.c */

int mf_read_monitoring(struct reader *r, const struct yt_node *list);

/* events.c */

/* The names of the event kinds, by enum mf_event_kind. */
extern const char *const mf_event_kind_names[MF_EVENT_KIND_COUNT];

/* `events:` (policies, the `policies:` mapping, or NULL), sorted by day. */
int mf_read_events(struct reader *r, const struct yt_node *list, const struct yt_node *policies);

/* A free slot at the end of r->s->events, growing it (*capacity slots, one
 * more than used: mf_scenario_destroy frees the arrays of an event being
 * read). The caller fills it and counts it in n_events. */
int mf_read_add_event(struct reader *r, int *capacity, struct mf_event **out);

/* The body of an event of kind e->kind (everything but its date) into e. */
int mf_read_event_body(struct reader *r, const struct yt_node *m, const char *where,
		       struct mf_event *e);

/* policies.c */

/* Reads every state of every policy once, switched on or not, so that a
 * mistake in a state no event uses is still reported. */
int mf_read_check_policies(struct reader *r, const struct yt_node *policies);

/* An event of kind `policy` at m, on day: the effects of that state of the
 * policy, each added as an event. */
int mf_read_policy(struct reader *r, const struct yt_node *m, const char *where, int day,
		   const struct yt_node *policies, int *capacity);

/* calibrate_block.c */

int mf_read_calibrate(struct reader *r, const struct yt_node *list);

/* Shared by the Sahel and FLEE top levels (read.c): a path relative to the
 * directory of the file that names it; `description`; `report_from` and
 * `seed` (after the period is known). */
void mf_read_relative_path(const char *naming_file, const char *name, char *out, size_t size);
int mf_read_description(struct reader *r, const struct yt_node *root);
int mf_read_report_and_seed(struct reader *r, const struct yt_node *root);

/* The whole scenario when its world is a FLEE instance (`flee: DIR`,
 * rules flee): flee_world.c. */
int mf_read_flee_world(struct reader *r, const struct yt_node *root);

#endif
