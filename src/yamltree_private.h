/* Private to the YAML tree (yamltree.h), one job per file:
 *
 *   yamltree.c              reading a document into a tree (yt_load), freeing
 *                           it, the typed accessors (yt_get, yt_fail, yt_check_keys,
 *                           yt_expect, yt_number, ...), and the two functions below
 *   yamltree_extends.c      extends: a chain of documents merged into one tree
 *                           (yt_load_extended, yt_load_extended_text)
 *   yamltree_select_emit.c  nodes selected by path (yt_select), the tree as
 *                           YAML text (yt_emit)
 *
 * These names are the library's own: not exported from the shared library
 * (libmigflow.map exports mf_* only). */
#ifndef MF_YAMLTREE_PRIVATE_H
#define MF_YAMLTREE_PRIVATE_H

#include "yamltree.h"

/* A new node owned by doc, or NULL when out of memory. */
struct yt_node *yt_new_node(struct yt_doc *doc, enum yt_kind kind, int line, int column);

/* Parses text (NULL: the file at path) as the document at path. */
struct yt_doc *yt_load_document(const char *path, const char *text, struct mf_error *err);

#endif
