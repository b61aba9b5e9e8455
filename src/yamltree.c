/* realpath(3) */
#define _DEFAULT_SOURCE
#include "yamltree.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "migflow/date.h"
#include "text.h"

void yt_free(struct yt_doc *doc)
{
	while (doc) {
		for (int i = 0; i < doc->n_nodes; i++) {
			free(doc->nodes[i]->items);
			free(doc->nodes[i]->text);
			free(doc->nodes[i]);
		}
		free(doc->nodes);
		free(doc->source);
		struct yt_doc *parent = doc->parent;
		free(doc);
		doc = parent;
	}
}

/* A new node owned by doc, or NULL when out of memory. */
static struct yt_node *new_node(struct yt_doc *doc, enum yt_kind kind, int line, int column)
{
	if (doc->n_nodes == doc->nodes_capacity) {
		int next = doc->nodes_capacity ? 2 * doc->nodes_capacity : 256;
		struct yt_node **bigger = realloc(doc->nodes, (size_t)next * sizeof(*bigger));
		if (!bigger)
			return NULL;
		doc->nodes = bigger;
		doc->nodes_capacity = next;
	}
	struct yt_node *node = calloc(1, sizeof(*node));
	if (!node)
		return NULL;
	node->kind = kind;
	node->file = doc->path;
	node->line = line;
	node->column = column;
	doc->nodes[doc->n_nodes++] = node;
	return node;
}

struct builder {
	yaml_parser_t parser;
	struct yt_doc *doc;
	int nodes;
	struct mf_error *err;
};

static int fail_at(struct builder *b, const yaml_mark_t *mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct builder *b, const yaml_mark_t *mark, const char *fmt, ...)
{
	char message[400];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	mf_error_at(b->err, b->doc->path, (int)mark->line + 1, (int)mark->column + 1, "",
		    "%s", message);
	return -1;
}

static int next_event(struct builder *b, yaml_event_t *event)
{
	if (yaml_parser_parse(&b->parser, event))
		return 0;
	const yaml_mark_t *mark = b->parser.problem_mark.line || b->parser.problem_mark.column
					  ? &b->parser.problem_mark
					  : &b->parser.context_mark;
	yaml_mark_t from_offset = {0};
	if (b->parser.error == YAML_READER_ERROR) {
		/* Reader errors (bad UTF-8, control characters) only set an offset. */
		for (size_t i = 0; i < b->parser.problem_offset && b->doc->source[i]; i++) {
			if (b->doc->source[i] == '\n') {
				from_offset.line++;
				from_offset.column = 0;
			} else if (((unsigned char)b->doc->source[i] & 0xc0) != 0x80) {
				from_offset.column++;
			}
		}
		mark = &from_offset;
	}
	char detail[256];
	snprintf(detail, sizeof(detail), "%s%s%s", b->parser.problem ? b->parser.problem : "syntax error",
		 b->parser.context ? " " : "", b->parser.context ? b->parser.context : "");
	return fail_at(b, mark, "YAML syntax error: %s", detail);
}

static int compare_keys(const void *a, const void *b)
{
	const struct yt_node *x = *(struct yt_node *const *)a, *y = *(struct yt_node *const *)b;
	int order = strcmp(x->text, y->text);
	if (order)
		return order;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
}

/* A key given twice in one mapping is an error here, in its own file:
 * after `extends` merges files one copy would silently win. */
static int check_unique_keys(struct builder *b, const struct yt_node *map)
{
	int n = 0;
	for (int i = 0; i < map->n; i++)
		n += map->items[2 * i]->kind == YT_SCALAR;
	if (n < 2)
		return 0;
	struct yt_node **keys = malloc((size_t)n * sizeof(*keys));
	if (!keys) {
		mf_error_set(b->err, MF_ERR_NOMEM, "out of memory reading %s", b->doc->path);
		return -1;
	}
	n = 0;
	for (int i = 0; i < map->n; i++)
		if (map->items[2 * i]->kind == YT_SCALAR)
			keys[n++] = map->items[2 * i];
	qsort(keys, (size_t)n, sizeof(*keys), compare_keys);
	for (int i = 1; i < n; i++)
		if (strcmp(keys[i - 1]->text, keys[i]->text) == 0) {
			mf_error_at(b->err, b->doc->path, keys[i]->line, keys[i]->column, keys[i]->text,
				    "key given twice (first on line %d)", keys[i - 1]->line);
			free(keys);
			return -1;
		}
	free(keys);
	return 0;
}

/* Parses the node whose first event is `event` (consumed). */
static struct yt_node *build(struct builder *b, yaml_event_t *event, int depth)
{
	if (event->type == YAML_ALIAS_EVENT) {
		fail_at(b, &event->start_mark, "%s",
			"YAML aliases (*name) are not allowed in migflow files");
		return NULL;
	}
	if (depth > YT_MAX_DEPTH) {
		fail_at(b, &event->start_mark, "nesting deeper than %d levels", YT_MAX_DEPTH);
		return NULL;
	}
	if (++b->nodes > YT_MAX_NODES) {
		fail_at(b, &event->start_mark, "%s", "too many YAML nodes");
		return NULL;
	}
	int capacity = 0, used = 0;
	struct yt_node *node = new_node(b->doc, YT_SCALAR, (int)event->start_mark.line + 1,
					(int)event->start_mark.column + 1);
	if (!node) {
		mf_error_set(b->err, MF_ERR_NOMEM, "out of memory reading %s", b->doc->path);
		return NULL;
	}
	if (event->type == YAML_SCALAR_EVENT) {
		node->kind = YT_SCALAR;
		node->start = event->start_mark.index;
		node->end = event->end_mark.index;
		node->plain = event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		node->text = malloc(event->data.scalar.length + 1);
		if (!node->text) {
			mf_error_set(b->err, MF_ERR_NOMEM, "out of memory reading %s", b->doc->path);
			goto fail;
		}
		memcpy(node->text, event->data.scalar.value, event->data.scalar.length);
		node->text[event->data.scalar.length] = '\0';
		if (strlen(node->text) != event->data.scalar.length) {
			fail_at(b, &event->start_mark, "%s", "NUL character in a scalar");
			goto fail;
		}
		return node;
	}
	yaml_event_type_t end_type;
	if (event->type == YAML_SEQUENCE_START_EVENT) {
		node->kind = YT_SEQUENCE;
		end_type = YAML_SEQUENCE_END_EVENT;
	} else if (event->type == YAML_MAPPING_START_EVENT) {
		node->kind = YT_MAPPING;
		end_type = YAML_MAPPING_END_EVENT;
	} else {
		fail_at(b, &event->start_mark, "%s", "unexpected YAML event");
		goto fail;
	}
	for (;;) {
		yaml_event_t child;
		if (next_event(b, &child) < 0)
			goto fail;
		if (child.type == end_type) {
			yaml_event_delete(&child);
			break;
		}
		struct yt_node *item = build(b, &child, depth + 1);
		yaml_event_delete(&child);
		if (!item)
			goto fail;
		if (used == capacity) {
			int next = capacity ? capacity * 2 : 8;
			struct yt_node **bigger = realloc(node->items, (size_t)next * sizeof(*bigger));
			if (!bigger) {
				mf_error_set(b->err, MF_ERR_NOMEM, "out of memory reading %s", b->doc->path);
				goto fail;
			}
			node->items = bigger;
			capacity = next;
		}
		node->items[used++] = item;
		node->n = node->kind == YT_MAPPING ? used / 2 : used;
	}
	if (node->kind == YT_MAPPING && used % 2) {
		fail_at(b, &event->start_mark, "%s", "mapping key without a value");
		goto fail;
	}
	if (node->kind == YT_MAPPING && check_unique_keys(b, node) < 0)
		goto fail;
	return node;
fail:
	/* The nodes built so far belong to the document and go with it. */
	return NULL;
}

static char *read_file(const char *path, size_t *length, struct mf_error *err)
{
	FILE *file = fopen(path, "rb");
	if (!file) {
		mf_error_at(err, path, 0, 0, "", "cannot open: %s", strerror(errno));
		if (err)
			err->code = MF_ERR_IO;
		return NULL;
	}
	char *text = malloc(YT_MAX_BYTES + 1);
	size_t n = text ? fread(text, 1, YT_MAX_BYTES + 1, file) : 0;
	fclose(file);
	if (!text) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	if (n > YT_MAX_BYTES) {
		free(text);
		mf_error_at(err, path, 0, 0, "", "file larger than %d bytes", YT_MAX_BYTES);
		return NULL;
	}
	text[n] = '\0';
	*length = n;
	return text;
}

/* The text of a document given in memory, as read_file gives a file's. */
static char *copy_text(const char *path, const char *text, size_t *length, struct mf_error *err)
{
	size_t n = strlen(text);
	if (n > YT_MAX_BYTES) {
		mf_error_at(err, path, 0, 0, "", "text longer than %d bytes", YT_MAX_BYTES);
		return NULL;
	}
	char *copy = malloc(n + 1);
	if (!copy) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	memcpy(copy, text, n + 1);
	*length = n;
	return copy;
}

/* Parses text (NULL: the file at path) as the document at path. */
static struct yt_doc *load_document(const char *path, const char *text, struct mf_error *err)
{
	struct yt_doc *doc = calloc(1, sizeof(*doc));
	if (!doc) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		return NULL;
	}
	mf_text_copy(doc->path, sizeof(doc->path), path);
	size_t length;
	doc->source = text ? copy_text(path, text, &length, err) : read_file(path, &length, err);
	if (!doc->source)
		goto fail;
	if (memchr(doc->source, '\0', length)) {
		size_t at = (size_t)((char *)memchr(doc->source, '\0', length) - doc->source);
		int line = 1, column = 1;
		for (size_t i = 0; i < at; i++, column++)
			if (doc->source[i] == '\n')
				line++, column = 0;
		mf_error_at(err, path, line, column, "", "NUL byte: this is not a text file");
		goto fail;
	}
	struct builder b = {.doc = doc, .err = err};
	if (!yaml_parser_initialize(&b.parser)) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory reading %s", path);
		goto fail;
	}
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)doc->source, length);
	yaml_event_t event;
	int status = -1;
	bool in_document = false, done = false;
	while (!done) {
		if (next_event(&b, &event) < 0)
			break;
		switch (event.type) {
		case YAML_STREAM_START_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (in_document || doc->root) {
				fail_at(&b, &event.start_mark, "%s",
					"more than one YAML document in the file");
				done = true;
			}
			in_document = true;
			break;
		case YAML_DOCUMENT_END_EVENT:
			in_document = false;
			break;
		case YAML_STREAM_END_EVENT:
			status = 0;
			done = true;
			break;
		default:
			doc->root = build(&b, &event, 0);
			if (!doc->root)
				done = true;
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&b.parser);
	if (status < 0)
		goto fail;
	return doc;
fail:
	yt_free(doc);
	return NULL;
}

struct yt_doc *yt_load(const char *path, struct mf_error *err)
{
	return load_document(path, NULL, err);
}

struct yt_node *yt_get(const struct yt_node *map, const char *key)
{
	if (!map || map->kind != YT_MAPPING)
		return NULL;
	for (int i = 0; i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i];
		if (k->kind == YT_SCALAR && strcmp(k->text, key) == 0)
			return map->items[2 * i + 1];
	}
	return NULL;
}

int yt_fail(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	    struct mf_error *err, const char *fmt, ...)
{
	char message[sizeof(err->message)];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	mf_error_at(err, node && node->file ? node->file : doc->path, node ? node->line : 0,
		    node ? node->column : 0, field, "%s", message);
	return -1;
}

int yt_check_keys(const struct yt_doc *doc, const struct yt_node *map,
		  const char *const *allowed, int n_allowed, const char *where,
		  struct mf_error *err)
{
	for (int i = 0; i < map->n; i++) {
		const struct yt_node *key = map->items[2 * i];
		if (key->kind != YT_SCALAR)
			return yt_fail(doc, key, where, err, "keys must be plain names");
		bool known = false;
		for (int a = 0; a < n_allowed; a++)
			known |= strcmp(key->text, allowed[a]) == 0;
		if (!known) {
			const char *hint = mf_text_suggest(key->text, allowed, n_allowed);
			char field[96];
			snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key->text);
			if (hint)
				return yt_fail(doc, key, field, err, "unknown key (did you mean '%s'?)", hint);
			char list[400];
			int used = 0;
			for (int a = 0; a < n_allowed && used < (int)sizeof(list); a++)
				used += snprintf(list + used, sizeof(list) - (size_t)used, "%s%s",
						 a ? ", " : "", allowed[a]);
			return yt_fail(doc, key, field, err, "unknown key; expected one of: %s", list);
		}
		for (int j = 0; j < i; j++)
			if (strcmp(map->items[2 * j]->text, key->text) == 0)
				return yt_fail(doc, key, key->text, err,
					       "key given twice (first on line %d)", map->items[2 * j]->line);
	}
	return 0;
}

static const char *kind_name(enum yt_kind kind)
{
	return kind == YT_SCALAR ? "a single value" : kind == YT_SEQUENCE ? "a list" : "a mapping";
}

int yt_expect(const struct yt_doc *doc, const struct yt_node *node, enum yt_kind kind,
	      const char *field, struct mf_error *err)
{
	if (node->kind != kind)
		return yt_fail(doc, node, field, err, "expected %s, got %s", kind_name(kind),
			       kind_name(node->kind));
	return 0;
}

int yt_number(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      double min, double max, double *value, struct mf_error *err)
{
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	if (!node->plain || !mf_text_double(node->text, value))
		return yt_fail(doc, node, field, err, "expected a finite number, got '%s'", node->text);
	if (*value < min || *value > max)
		return yt_fail(doc, node, field, err, "expected a number in [%g, %g], got %s", min,
			       max, node->text);
	return 0;
}

int yt_integer(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	       long min, long max, long *value, struct mf_error *err)
{
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	if (!node->plain || !mf_text_long(node->text, LONG_MIN, LONG_MAX, value))
		return yt_fail(doc, node, field, err, "expected a whole number, got '%s'", node->text);
	if (*value < min || *value > max)
		return yt_fail(doc, node, field, err, "expected a whole number in [%ld, %ld], got %s",
			       min, max, node->text);
	return 0;
}

int yt_string(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      char *out, int size, struct mf_error *err)
{
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	if (!mf_text_copy(out, (size_t)size, node->text))
		return yt_fail(doc, node, field, err, "text longer than %d bytes", size - 1);
	return 0;
}

int yt_date(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	    int *days, struct mf_error *err)
{
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	if (!mf_date_parse(node->text, days))
		return yt_fail(doc, node, field, err,
			       "expected a real date YYYY-MM-DD (1900-2200), got '%s'", node->text);
	return 0;
}

int yt_choice(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	      const char *const *names, int n, int *value, struct mf_error *err)
{
	if (yt_expect(doc, node, YT_SCALAR, field, err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(node->text, names[i]) == 0) {
			*value = i;
			return 0;
		}
	char list[300];
	int used = 0;
	for (int i = 0; i < n && used < (int)sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - (size_t)used, "%s%s", i ? ", " : "", names[i]);
	const char *hint = mf_text_suggest(node->text, names, n);
	if (hint)
		return yt_fail(doc, node, field, err, "unknown value '%s' (did you mean '%s'?)",
			       node->text, hint);
	return yt_fail(doc, node, field, err, "unknown value '%s'; expected one of: %s", node->text, list);
}

/* ---- extends: a chain of documents merged into one tree ---- */

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

/* child over parent, as a new node of doc sharing the unchanged subtrees. */
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

static struct yt_node *merge(struct yt_doc *doc, struct yt_node *parent, struct yt_node *child,
			     const struct yt_merge_rules *rules, bool top)
{
	const char *const *append_keys = rules->append_keys;
	int n_append = rules->n_append_keys;
	if (parent->kind != YT_MAPPING || child->kind != YT_MAPPING)
		return child;
	struct yt_node *out = new_node(doc, YT_MAPPING, child->line, child->column);
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
			struct yt_node *list = new_node(doc, YT_SEQUENCE, mine->line, mine->column);
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
	struct yt_doc *doc = load_document(path, text, err);
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

/* ---- selecting nodes by path ---- */

static int select_from(struct yt_node *node, const char *path, struct yt_node **nodes, int max,
		       int found)
{
	if (!*path) {
		if (found < max)
			nodes[found] = node;
		return found + 1;
	}
	/* One segment: key, optionally followed by [index], [*] or [key=value]. */
	char key[96], filter[96] = "";
	size_t n = strcspn(path, ".[");
	if (n == 0 || n >= sizeof(key))
		return -1;
	memcpy(key, path, n);
	key[n] = '\0';
	const char *rest = path + n;
	bool has_filter = *rest == '[';
	if (has_filter) {
		const char *close = strchr(rest, ']');
		if (!close || (size_t)(close - rest - 1) >= sizeof(filter) || close == rest + 1)
			return -1;
		memcpy(filter, rest + 1, (size_t)(close - rest - 1));
		filter[close - rest - 1] = '\0';
		rest = close + 1;
	}
	if (*rest == '.')
		rest++;
	else if (*rest)
		return -1;
	struct yt_node *child = yt_get(node, key);
	if (!child)
		return found;
	if (!has_filter)
		return select_from(child, rest, nodes, max, found);
	if (child->kind != YT_SEQUENCE)
		return found;
	char *equals = strchr(filter, '=');
	long index = -1;
	if (!equals && strcmp(filter, "*") != 0) {
		char *end;
		index = strtol(filter, &end, 10);
		if (*end || index < 0)
			return -1;
	}
	for (int i = 0; i < child->n; i++) {
		struct yt_node *item = child->items[i];
		bool take = false;
		if (equals) {
			*equals = '\0';
			struct yt_node *field = yt_get(item, filter);
			take = field && field->kind == YT_SCALAR && strcmp(field->text, equals + 1) == 0;
			*equals = '=';
		} else {
			take = index < 0 || i == index;
		}
		if (take) {
			found = select_from(item, rest, nodes, max, found);
			if (found < 0)
				return -1;
		}
	}
	return found;
}

int yt_select(struct yt_node *root, const char *path, struct yt_node **nodes, int max)
{
	return select_from(root, path, nodes, max, 0);
}

/* ---- emitting a tree as YAML text ---- */

struct text_buffer {
	char *data;
	size_t length, capacity;
	bool failed;
};

static int write_text(void *data, unsigned char *buffer, size_t size)
{
	struct text_buffer *out = data;
	if (out->length + size + 1 > out->capacity) {
		size_t next = out->capacity ? out->capacity : 4096;
		while (next < out->length + size + 1)
			next *= 2;
		char *bigger = realloc(out->data, next);
		if (!bigger) {
			out->failed = true;
			return 0;
		}
		out->data = bigger;
		out->capacity = next;
	}
	memcpy(out->data + out->length, buffer, size);
	out->length += size;
	out->data[out->length] = '\0';
	return 1;
}

static int emit_node(yaml_emitter_t *emitter, const struct yt_node *node)
{
	yaml_event_t event;
	switch (node->kind) {
	case YT_SCALAR:
		yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)node->text,
					     (int)strlen(node->text), 1, 1,
					     node->plain ? YAML_ANY_SCALAR_STYLE
							 : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
		return yaml_emitter_emit(emitter, &event) ? 0 : -1;
	case YT_SEQUENCE:
	case YT_MAPPING: {
		bool map = node->kind == YT_MAPPING;
		/* Short lists of scalars print on one line, as people write them. */
		bool flow = !map && node->n <= 16;
		for (int i = 0; i < node->n && flow; i++)
			flow = node->items[i]->kind == YT_SCALAR;
		if (map)
			yaml_mapping_start_event_initialize(&event, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		else
			yaml_sequence_start_event_initialize(&event, NULL, NULL, 1,
							     flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(emitter, &event))
			return -1;
		for (int i = 0; i < (map ? 2 * node->n : node->n); i++)
			if (emit_node(emitter, node->items[i]) < 0)
				return -1;
		if (map)
			yaml_mapping_end_event_initialize(&event);
		else
			yaml_sequence_end_event_initialize(&event);
		return yaml_emitter_emit(emitter, &event) ? 0 : -1;
	}
	}
	return -1;
}

char *yt_emit(const struct yt_doc *doc)
{
	struct text_buffer out = {0};
	yaml_emitter_t emitter;
	yaml_event_t event;
	if (!yaml_emitter_initialize(&emitter))
		return NULL;
	yaml_emitter_set_output(&emitter, write_text, &out);
	yaml_emitter_set_unicode(&emitter, 1);
	yaml_emitter_set_width(&emitter, 100);
	int ok = 1;
	yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING);
	ok = ok && yaml_emitter_emit(&emitter, &event);
	yaml_document_start_event_initialize(&event, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&emitter, &event);
	if (ok && doc->root) {
		ok = emit_node(&emitter, doc->root) == 0;
	} else if (ok) {
		yaml_scalar_event_initialize(&event, NULL, NULL, (yaml_char_t *)"", 0, 1, 1,
					     YAML_ANY_SCALAR_STYLE);
		ok = yaml_emitter_emit(&emitter, &event);
	}
	yaml_document_end_event_initialize(&event, 1);
	ok = ok && yaml_emitter_emit(&emitter, &event);
	yaml_stream_end_event_initialize(&event);
	ok = ok && yaml_emitter_emit(&emitter, &event);
	ok = ok && yaml_emitter_flush(&emitter);
	yaml_emitter_delete(&emitter);
	if (!ok || out.failed) {
		free(out.data);
		return NULL;
	}
	return out.data;
}
