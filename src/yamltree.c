/* Reading a YAML document into a tree with the line and column of every
 * node (yt_load: libyaml's events built into nodes, aliases, depth, node
 * count and size bounded, a key given twice refused), freeing it, and the
 * typed accessors (yt_get, yt_check_keys, yt_expect, yt_number, yt_integer,
 * yt_string, yt_date, yt_choice, yt_fail). The extends chain is in
 * yamltree_extends.c, selecting by path and emitting in
 * yamltree_select_emit.c; yamltree_private.h declares what they share. */
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
#include "yamltree_private.h"

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
struct yt_node *yt_new_node(struct yt_doc *doc, enum yt_kind kind, int line, int column)
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
	struct yt_node *node = yt_new_node(b->doc, YT_SCALAR, (int)event->start_mark.line + 1,
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
struct yt_doc *yt_load_document(const char *path, const char *text, struct mf_error *err)
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
	return yt_load_document(path, NULL, err);
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

int yt_failv(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	     struct mf_error *err, const char *fmt, va_list args)
{
	char message[sizeof(err->message)];
	vsnprintf(message, sizeof(message), fmt, args);
	mf_error_at(err, node && node->file ? node->file : doc->path, node ? node->line : 0,
		    node ? node->column : 0, field, "%s", message);
	return -1;
}

int yt_fail(const struct yt_doc *doc, const struct yt_node *node, const char *field,
	    struct mf_error *err, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	yt_failv(doc, node, field, err, fmt, args);
	va_end(args);
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
