/* The report's stories: a scenario as its run file embeds it (the
 * `scenario` attribute holds the resolved YAML, `scenario_sources` every
 * file of the extends chain with its comments), reparsed with libyaml for
 * the name, the description and the events. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "report.h"

static const char *scalar(yaml_document_t *doc, yaml_node_t *node)
{
	return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static yaml_node_t *get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		const char *name = scalar(doc, yaml_document_get_node(doc, pair->key));
		if (name && strcmp(name, key) == 0)
			return yaml_document_get_node(doc, pair->value);
	}
	return NULL;
}

static void append(char *out, size_t size, const char *text)
{
	size_t used = strlen(out);
	if (used + 1 < size)
		snprintf(out + used, size - used, "%s", text);
}

/* A value in one line: a scalar, [a, b] for a sequence, {k: v} for a map. */
static void flatten(yaml_document_t *doc, yaml_node_t *node, char *out, size_t size)
{
	if (!node)
		return;
	if (node->type == YAML_SCALAR_NODE) {
		append(out, size, scalar(doc, node));
	} else if (node->type == YAML_SEQUENCE_NODE) {
		append(out, size, "[");
		for (yaml_node_item_t *item = node->data.sequence.items.start;
		     item < node->data.sequence.items.top; item++) {
			if (item > node->data.sequence.items.start)
				append(out, size, ", ");
			flatten(doc, yaml_document_get_node(doc, *item), out, size);
		}
		append(out, size, "]");
	} else if (node->type == YAML_MAPPING_NODE) {
		append(out, size, "{");
		for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
		     pair < node->data.mapping.pairs.top; pair++) {
			if (pair > node->data.mapping.pairs.start)
				append(out, size, ", ");
			flatten(doc, yaml_document_get_node(doc, pair->key), out, size);
			append(out, size, ": ");
			flatten(doc, yaml_document_get_node(doc, pair->value), out, size);
		}
		append(out, size, "}");
	}
}

static enum mf_status read_event(yaml_document_t *doc, yaml_node_t *node,
				 struct report_event *event, struct mf_error *err)
{
	const char *date = scalar(doc, get(doc, node, "date"));
	const char *kind = scalar(doc, get(doc, node, "kind"));
	if (!date || !kind || !mf_date_parse(date, &event->day))
		return mf_error_set(err, MF_ERR_INPUT, "an event of the embedded scenario has no "
				    "date or kind");
	snprintf(event->kind, sizeof(event->kind), "%s", kind);
	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		const char *key = scalar(doc, yaml_document_get_node(doc, pair->key));
		if (!key || strcmp(key, "date") == 0 || strcmp(key, "kind") == 0)
			continue;
		if (event->what[0])
			append(event->what, sizeof(event->what), ", ");
		append(event->what, sizeof(event->what), key);
		append(event->what, sizeof(event->what), ": ");
		flatten(doc, yaml_document_get_node(doc, pair->value), event->what,
			sizeof(event->what));
	}
	return MF_OK;
}

static int by_day(const void *a, const void *b)
{
	const struct report_event *x = a, *y = b;
	return (x->day > y->day) - (x->day < y->day);
}

static enum mf_status parse(const char *text, struct report_scenario *s, struct mf_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_parser_delete(&parser);
		return mf_error_set(err, MF_ERR_INPUT, "the embedded scenario is not YAML");
	}
	enum mf_status status = MF_OK;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	const char *name = scalar(&doc, get(&doc, root, "name"));
	const char *description = scalar(&doc, get(&doc, root, "description"));
	if (name)
		snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->description, sizeof(s->description), "%s", description ? description : "");
	size_t n = strlen(s->description);
	while (n > 0 && (s->description[n - 1] == '\n' || s->description[n - 1] == ' '))
		s->description[--n] = '\0';
	yaml_node_t *events = get(&doc, root, "events");
	if (events && events->type == YAML_SEQUENCE_NODE) {
		size_t count = (size_t)(events->data.sequence.items.top -
					events->data.sequence.items.start);
		s->events = calloc(count + 1, sizeof(*s->events));
		if (!s->events)
			status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		for (size_t i = 0; status == MF_OK && i < count; i++) {
			yaml_node_t *item = yaml_document_get_node(
				&doc, events->data.sequence.items.start[i]);
			if (item && item->type == YAML_MAPPING_NODE)
				status = read_event(&doc, item, &s->events[s->n_events++], err);
		}
		if (status == MF_OK)
			qsort(s->events, (size_t)s->n_events, sizeof(*s->events), by_day);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return status;
}

/* The comment at the head of the first file of the sources ("# ---- file:
 * PATH" lines separate them), without its '#' marks. */
static char *story_of(const char *sources)
{
	const char *line = sources;
	if (strncmp(line, "# ---- file:", 12) == 0)
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line);
	char *story = calloc(strlen(line) + 1, 1);
	if (!story)
		return NULL;
	size_t used = 0;
	while (*line == '#' && strncmp(line, "# ---- file:", 12) != 0) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line) : strlen(line);
		size_t skip = length > 1 && line[1] == ' ' ? 2 : 1;
		memcpy(story + used, line + skip, length - skip);
		used += length - skip;
		story[used++] = '\n';
		line += length + (end ? 1 : 0);
	}
	while (used > 0 && story[used - 1] == '\n')
		used--;
	story[used] = '\0';
	return story;
}

enum mf_status report_story_read(struct mf_reader *reader, struct report_scenario *s,
				 struct mf_error *err)
{
	char *text = NULL;
	enum mf_status status = mf_reader_text_attribute(reader, NULL, "scenario", &text, err);
	if (status == MF_OK)
		status = parse(text, s, err);
	free(text);
	if (status == MF_OK && mf_reader_has_attribute(reader, NULL, "scenario_sources") &&
	    mf_reader_text_attribute(reader, NULL, "scenario_sources", &s->sources, err) == MF_OK) {
		s->story = story_of(s->sources);
		if (!s->story)
			status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	return status;
}

void report_story_free(struct report_scenario *s)
{
	free(s->story);
	free(s->sources);
	free(s->events);
	s->story = s->sources = NULL;
	s->events = NULL;
	s->n_events = 0;
}

void report_story_mark_inherited(struct report_scenario *alt, const struct report_scenario *base)
{
	for (int i = 0; i < alt->n_events; i++)
		for (int j = 0; j < base->n_events && !alt->events[i].inherited; j++)
			alt->events[i].inherited = alt->events[i].day == base->events[j].day &&
				strcmp(alt->events[i].kind, base->events[j].kind) == 0 &&
				strcmp(alt->events[i].what, base->events[j].what) == 0;
}
