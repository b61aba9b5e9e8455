/* A YAML document as a small tree with the line and column of every node,
 * built from libyaml's event parser. Aliases are refused (they are how YAML
 * documents blow up), nesting depth, node count and file size are bounded,
 * and typed getters report errors as file:line:column plus the field.
 * Reading and the getters are in yamltree.c, extends in yamltree_extends.c,
 * yt_select and yt_emit in yamltree_select_emit.c (yamltree_private.h). */
#ifndef MF_YAMLTREE_H
#define MF_YAMLTREE_H

#include <stdarg.h>
#include <stdbool.h>
#include "migflow/error.h"

enum yt_kind { YT_SCALAR, YT_SEQUENCE, YT_MAPPING };

struct yt_node {
	enum yt_kind kind;
	const char *file;       /* the file it was read from (owned by its doc) */
	int line, column;       /* 1-based start of the node */
	size_t start, end;      /* a scalar's text in its file, as character offsets */
	char *text;             /* scalar text */
	bool plain;             /* scalar written without quotes */
	int n;                  /* items of a sequence, pairs of a mapping */
	struct yt_node **items; /* sequence items; mapping: key, value, key, ... */
};

struct yt_doc {
	char path[4096];
	char *source;           /* the file's text */
	struct yt_node *root;   /* NULL for an empty document */
	/* Every node of the tree (and of the documents merged into it) is in
	 * this list, which owns them: merging may share nodes between trees. */
	struct yt_node **nodes;
	int n_nodes, nodes_capacity;
	struct yt_doc *parent;  /* the document this one extends, owned */
};

#define YT_MAX_DEPTH 32
#define YT_MAX_NODES 200000
#define YT_MAX_BYTES (4 << 20)

/* Parses path. NULL and err (with file:line:column) on failure. */
struct yt_doc *yt_load(const char *path, struct mf_error *err);

/* How a file merges over the file it extends: the top-level lists named in
 * append_keys are appended to the parent's; of a pair of top-level
 * alternatives (such as days and end), the one the extending file gives
 * replaces the other. */
struct yt_merge_rules {
	const char *const *append_keys;
	int n_append_keys;
	const char *const (*alternatives)[2];
	int n_alternatives;
};

/* Parses path and, when its top mapping has the key `extends` (a file name
 * relative to it), the chain of files it extends, merged into one tree:
 * mappings merge by key (the extending file wins), lists and alternatives
 * as rules say, anything else is replaced. Cycles, missing files and chains
 * longer than 16 are errors. */
struct yt_doc *yt_load_extended(const char *path, const struct yt_merge_rules *rules,
				struct mf_error *err);

/* As yt_load_extended, with the first document's text given (not read
 * from path, which names it in errors and places the files it refers to). */
struct yt_doc *yt_load_extended_text(const char *path, const char *text,
				     const struct yt_merge_rules *rules, struct mf_error *err);

/* Nodes selected by a path such as `parameters.stay_days.Libya`,
 * `sources[2].rate`, `sources[intent=circular].rate` (every list item whose
 * key equals the value) or `events[*].level`. Fills up to max nodes and
 * returns how many matched, or -1 on a malformed path. */
int yt_select(struct yt_node *root, const char *path, struct yt_node **nodes, int max);

/* The tree as YAML text (caller frees), or NULL when out of memory. */
char *yt_emit(const struct yt_doc *doc);
void yt_free(struct yt_doc *doc);

/* Value for key in a mapping, or NULL. */
struct yt_node *yt_get(const struct yt_node *map, const char *key);

/* Fails on a key not in allowed (with a "did you mean" suggestion) or a key
 * given twice. where names the mapping for messages ("" for the top). */
int yt_check_keys(const struct yt_doc *doc, const struct yt_node *map,
		  const char *const *allowed, int n_allowed, const char *where,
		  struct mf_error *err);

/* Typed reads; each returns 0 or -1 with err filled. */
int yt_expect(const struct yt_doc *doc, const struct yt_node *node, enum yt_kind kind,
	      const char *field, struct mf_error *err);
int yt_number(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      double min, double max, double *value, struct mf_error *err);
int yt_integer(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	       long min, long max, long *value, struct mf_error *err);
int yt_string(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      char *out, int size, struct mf_error *err);
int yt_date(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	    int *days, struct mf_error *err);
int yt_choice(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      const char *const *names, int n, int *value, struct mf_error *err);

/* Error at a node: fills err and returns -1. */
int yt_fail(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	    struct mf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The same with the arguments as a va_list, for readers' own error helpers. */
int yt_failv(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	     struct mf_error *err, const char *fmt, va_list args)
	__attribute__((format(printf, 5, 0)));

#endif
