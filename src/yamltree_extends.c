/* extends: a chain of documents merged into one tree (yt_load_extended,
 * yt_load_extended_text): each file read as yamltree.c reads one, the file
 * it extends found relative to it, cycles and long chains refused, and the
 * trees merged by the caller's yt_merge_rules. */
/* realpath(3) */
#define _DEFAULT_SOURCE
#include "yamltree.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamltree_private.h"

#define YT_MAX_CHAIN 16

static bool is_append_key(const char *key, const char *const *keys, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

static int add_item(struct yt_node *list, struct yt_node *item)
{
	struct yt_node **bigger = realloc(list->items, (size_t)(list->n + 1) * sizeof(*bigger));
	if (!bigger)
		return -1;
	list->items = bigger;
	list->items[list->n++] = item;
	return 0;
}

static int add_pair(struct yt_node *map, struct yt_node *key, struct yt_node *value)
{
	struct yt_node **bigger = realloc(map->items, (size_t)(2 * map->n + 2) * sizeof(*bigger));
	if (!bigger)
		return -1;
	map->items = bigger;
	map->items[2 * map->n] = key;
	map->items[2 * map->n + 1] = value;
	map->n++;
	return 0;
}

static struct yt_node *key_node(const struct yt_node *map, const char *key)
{
	for (int i = 0; i < map->n; i++)
		if (map->items[2 * i]->kind == YT_SCALAR && strcmp(map->items[2 * i]->text, key) == 0)
			return map->items[2 * i];
	return NULL;
}

/* A top-level key of the parent that the child replaces by giving its
 * alternative (and not the key itself). */
static bool replaced_by_alternative(const struct yt_node *child, const char *key,
				    const struct yt_merge_rules *rules)
{
	if (yt_get(child, key))
		return false;
	for (int i = 0; i < rules->n_alternatives; i++)
		for (int side = 0; side < 2; side++)
			if (strcmp(rules->alternatives[i][side], key) == 0 &&
			    yt_get(child, rules->alternatives[i][1 - side]))
				return true;
	return false;
}

/* child over parent, as a new node of doc sharing the unchanged subtrees. */
static struct yt_node *merge(struct yt_doc *doc, struct yt_node *parent, struct yt_node *child,
			     const struct yt_merge_rules *rules, bool top)
{
	const char *const *append_keys = rules->append_keys;
	int n_append = rules->n_append_keys;
	if (parent->kind != YT_MAPPING || child->kind != YT_MAPPING)
		return child;
	struct yt_node *out = yt_new_node(doc, YT_MAPPING, child->line, child->column);
	if (!out)
		return NULL;
	out->file = child->file;
	/* The parent's keys in their order, then the keys only the child has. */
	for (int i = 0; i < parent->n; i++) {
		struct yt_node *key = parent->items[2 * i], *value = parent->items[2 * i + 1];
		if (key->kind != YT_SCALAR || (top && strcmp(key->text, "extends") == 0) ||
		    (top && replaced_by_alternative(child, key->text, rules)))
			continue;
		struct yt_node *mine = yt_get(child, key->text);
		if (mine && top && is_append_key(key->text, append_keys, n_append) &&
		    value->kind == YT_SEQUENCE && mine->kind == YT_SEQUENCE) {
			struct yt_node *list = yt_new_node(doc, YT_SEQUENCE, mine->line, mine->column);
			if (!list)
				return NULL;
			list->file = mine->file;
			for (int k = 0; k < value->n; k++)
				if (add_item(list, value->items[k]) < 0)
					return NULL;
			for (int k = 0; k < mine->n; k++)
				if (add_item(list, mine->items[k]) < 0)
					return NULL;
			value = list;
		} else if (mine) {
			value = merge(doc, value, mine, rules, false);
			if (!value)
				return NULL;
		}
		if (add_pair(out, mine ? key_node(child, key->text) : key, value) < 0)
			return NULL;
	}
	for (int i = 0; i < child->n; i++) {
		struct yt_node *key = child->items[2 * i];
		if (key->kind != YT_SCALAR || (top && strcmp(key->text, "extends") == 0) ||
		    yt_get(parent, key->text))
			continue;
		if (add_pair(out, key, child->items[2 * i + 1]) < 0)
			return NULL;
	}
	return out;
}

static void directory_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s", (int)(slash - path), path);
}

static struct yt_doc *load_chain(const char *path, const char *text,
				 const struct yt_merge_rules *rules, char chain[][PATH_MAX], int depth,
				 struct mf_error *err)
{
	struct yt_doc *doc = yt_load_document(path, text, err);
	if (!doc)
		return NULL;
	struct yt_node *extends = doc->root && doc->root->kind == YT_MAPPING
					  ? yt_get(doc->root, "extends") : NULL;
	if (!extends)
		return doc;
	char name[PATH_MAX], parent_path[PATH_MAX];
	if (yt_string(doc, extends, "extends", name, sizeof(name), err) < 0)
		goto fail;
	if (name[0] == '/') {
		snprintf(parent_path, sizeof(parent_path), "%s", name);
	} else {
		char dir[PATH_MAX];
		directory_of(path, dir, sizeof(dir));
		if (strcmp(dir, ".") == 0)
			snprintf(parent_path, sizeof(parent_path), "%s", name);
		else
			snprintf(parent_path, sizeof(parent_path), "%s/%s", dir, name);
	}
	char real[PATH_MAX];
	if (!realpath(parent_path, real)) {
		yt_fail(doc, extends, "extends", err, "cannot open '%s': %s", parent_path, strerror(errno));
		goto fail;
	}
	for (int i = 0; i <= depth; i++)
		if (strcmp(chain[i], real) == 0) {
			yt_fail(doc, extends, "extends", err, "'%s' extends itself through a cycle", parent_path);
			goto fail;
		}
	if (depth + 1 >= YT_MAX_CHAIN) {
		yt_fail(doc, extends, "extends", err, "more than %d files extend one another", YT_MAX_CHAIN);
		goto fail;
	}
	snprintf(chain[depth + 1], PATH_MAX, "%s", real);
	doc->parent = load_chain(parent_path, NULL, rules, chain, depth + 1, err);
	if (!doc->parent)
		goto fail;
	if (!doc->parent->root || doc->parent->root->kind != YT_MAPPING) {
		yt_fail(doc, extends, "extends", err, "'%s' is not a scenario (expected a mapping)", parent_path);
		goto fail;
	}
	if (doc->root->kind == YT_MAPPING) {
		struct yt_node *merged = merge(doc, doc->parent->root, doc->root, rules, true);
		if (!merged) {
			mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
			goto fail;
		}
		doc->root = merged;
	}
	return doc;
fail:
	yt_free(doc);
	return NULL;
}

struct yt_doc *yt_load_extended(const char *path, const struct yt_merge_rules *rules,
				struct mf_error *err)
{
	return yt_load_extended_text(path, NULL, rules, err);
}

struct yt_doc *yt_load_extended_text(const char *path, const char *text,
				     const struct yt_merge_rules *rules, struct mf_error *err)
{
	char (*paths)[PATH_MAX] = calloc(YT_MAX_CHAIN, PATH_MAX);
	if (!paths) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	if (!realpath(path, paths[0]))
		snprintf(paths[0], PATH_MAX, "%s", path);
	struct yt_doc *doc = load_chain(path, text, rules, paths, 0, err);
	free(paths);
	return doc;
}
