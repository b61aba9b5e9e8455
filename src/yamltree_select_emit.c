/* A tree read back out: the nodes a path selects (yt_select) and the tree
 * as YAML text (yt_emit). */
#include "yamltree.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

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
