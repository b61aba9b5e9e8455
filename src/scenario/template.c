/* A scenario kept as its tree, built again with other values of its free
 * parameters, and its text with those values written in place
 * (migflow/scenario.h, scenario_private.h). */
#include "scenario_private.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct mf_scenario_source {
	struct yt_doc *doc;
	struct mf_scenario *scenario;
	/* Per free parameter: the nodes it writes and their values in the file. */
	int *n_nodes;
	struct yt_node ***nodes;
	double **base;
	/* build writes values into doc and puts the file's back: one at a time. */
	pthread_mutex_t lock;
	bool has_lock;
};

void mf_scenario_source_destroy(struct mf_scenario_source *source)
{
	if (!source)
		return;
	int n = source->scenario ? source->scenario->n_free : 0;
	for (int i = 0; i < n; i++) {
		free(source->nodes[i]);
		free(source->base[i]);
	}
	free(source->n_nodes);
	free(source->nodes);
	free(source->base);
	mf_scenario_destroy(source->scenario);
	yt_free(source->doc);
	if (source->has_lock)
		pthread_mutex_destroy(&source->lock);
	free(source);
}

struct mf_scenario_source *mf_scenario_source_load(const char *path, struct mf_error *err)
{
	struct mf_scenario_source *source = calloc(1, sizeof(*source));
	if (!source)
		goto nomem;
	if (pthread_mutex_init(&source->lock, NULL) != 0)
		goto nomem;
	source->has_lock = true;
	source->doc = mf_read_tree(path, err);
	if (!source->doc)
		goto fail;
	source->scenario = mf_read_scenario(path, source->doc, err);
	if (!source->scenario)
		goto fail;
	int n = source->scenario->n_free;
	source->n_nodes = calloc((size_t)n + 1, sizeof(int));
	source->nodes = calloc((size_t)n + 1, sizeof(*source->nodes));
	source->base = calloc((size_t)n + 1, sizeof(*source->base));
	if (!source->n_nodes || !source->nodes || !source->base)
		goto nomem;
	for (int i = 0; i < n; i++) {
		const struct mf_free_parameter *f = &source->scenario->free[i];
		source->nodes[i] = calloc(256, sizeof(struct yt_node *));
		source->base[i] = calloc(256, sizeof(double));
		if (!source->nodes[i] || !source->base[i])
			goto nomem;
		source->n_nodes[i] = yt_select(source->doc->root, f->path, source->nodes[i], 256);
		for (int k = 0; k < source->n_nodes[i]; k++) {
			const struct yt_node *node = source->nodes[i][k];
			mf_text_double(node->text, &source->base[i][k]);
			/* Fitted values are written back into this file. */
			if (strcmp(node->file, source->doc->path) != 0) {
				mf_error_at(err, f->file, f->line, f->column, f->name,
					    "'%s' is written in %s (line %d), which this file extends: "
					    "calibrate values written in this file", f->path, node->file, node->line);
				goto fail;
			}
		}
	}
	return source;
nomem:
	mf_error_set(err, MF_ERR_NOMEM, "out of memory");
fail:
	mf_scenario_source_destroy(source);
	return NULL;
}

const struct mf_scenario *mf_scenario_source_scenario(const struct mf_scenario_source *source)
{
	return source->scenario;
}

/* A number as people write it: no exponent for ordinary magnitudes. */
static void format_number(double value, char *out, size_t size)
{
	double magnitude = fabs(value);
	if (value == 0 || (magnitude >= 1e-4 && magnitude < 1e12)) {
		snprintf(out, size, "%.*f", magnitude >= 1000 ? 2 : 6, value);
		char *dot = strchr(out, '.');
		if (dot) {
			char *end = out + strlen(out) - 1;
			while (end > dot && *end == '0')
				*end-- = '\0';
			if (end == dot)
				*end = '\0';
		}
	} else {
		snprintf(out, size, "%.6g", value);
	}
}

/* The values the free parameters give: every node any of them names, once,
 * with its value in the file set by the `set` parameters and then
 * multiplied by every `scale` parameter naming it. Returns the count. */
static int compose(const struct mf_scenario_source *source, const double *values,
		   struct yt_node **nodes, double *result, int max)
{
	const struct mf_scenario *s = source->scenario;
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < s->n_free; i++) {
			if (s->free[i].multiplier != (pass == 1))
				continue;
			for (int k = 0; k < source->n_nodes[i]; k++) {
				int j = 0;
				while (j < n && nodes[j] != source->nodes[i][k])
					j++;
				if (j == n) {
					if (n == max)
						continue;
					nodes[n] = source->nodes[i][k];
					result[n++] = source->base[i][k];
				}
				result[j] = pass ? result[j] * values[i] : values[i];
			}
		}
	return n;
}

#define MAX_EDITS 2048

struct mf_scenario *mf_scenario_source_build(struct mf_scenario_source *source,
					     const double *values, struct mf_error *err)
{
	const struct mf_scenario *original = source->scenario;
	struct yt_node **nodes = calloc(MAX_EDITS, sizeof(*nodes));
	double *result = calloc(MAX_EDITS, sizeof(double));
	char **saved = calloc(MAX_EDITS, sizeof(char *));
	if (!nodes || !result || !saved) {
		free(nodes);
		free(result);
		free(saved);
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	/* Write the values into the tree, read it, and put the file's back. */
	pthread_mutex_lock(&source->lock);
	int n = values ? compose(source, values, nodes, result, MAX_EDITS) : 0;
	for (int j = 0; j < n; j++) {
		char text[64];
		format_number(result[j], text, sizeof(text));
		char *copy = strdup(text);
		if (copy) {
			saved[j] = nodes[j]->text;
			nodes[j]->text = copy;
		}
	}
	struct mf_scenario *s = mf_read_scenario(original->path, source->doc, err);
	for (int j = 0; j < n; j++)
		if (saved[j]) {
			free(nodes[j]->text);
			nodes[j]->text = saved[j];
		}
	pthread_mutex_unlock(&source->lock);
	free(nodes);
	free(result);
	free(saved);
	return s;
}

/* libyaml counts positions in characters: the byte offset of character
 * `index` of UTF-8 text. */
static size_t byte_offset(const char *text, size_t index)
{
	size_t bytes = 0;
	for (size_t characters = 0; text[bytes] && characters < index; characters++) {
		bytes++;
		while (((unsigned char)text[bytes] & 0xc0) == 0x80)
			bytes++;
	}
	return bytes;
}

char *mf_scenario_source_text(const struct mf_scenario_source *source, const double *values)
{
	const char *text = source->doc->source;
	size_t length = strlen(text);
	/* Edits sorted by position, applied front to back into a new text. */
	struct edit {
		size_t start, end;
		char text[64];
	} *edits = calloc(MAX_EDITS, sizeof(*edits));
	struct yt_node **nodes = calloc(MAX_EDITS, sizeof(*nodes));
	double *result = calloc(MAX_EDITS, sizeof(double));
	if (!edits || !nodes || !result) {
		free(edits);
		free(nodes);
		free(result);
		return NULL;
	}
	int n = compose(source, values, nodes, result, MAX_EDITS);
	for (int j = 0; j < n; j++) {
		edits[j].start = byte_offset(text, nodes[j]->start);
		edits[j].end = byte_offset(text, nodes[j]->end);
		format_number(result[j], edits[j].text, sizeof(edits[j].text));
	}
	free(nodes);
	free(result);
	for (int a = 1; a < n; a++) {
		struct edit e = edits[a];
		int b = a - 1;
		while (b >= 0 && edits[b].start > e.start) {
			edits[b + 1] = edits[b];
			b--;
		}
		edits[b + 1] = e;
	}
	char *out = malloc(length + (size_t)n * 64 + 1);
	if (!out) {
		free(edits);
		return NULL;
	}
	size_t used = 0, at = 0;
	for (int e = 0; e < n; e++) {
		if (edits[e].start < at || edits[e].end > length)
			continue;
		memcpy(out + used, text + at, edits[e].start - at);
		used += edits[e].start - at;
		size_t add = strlen(edits[e].text);
		memcpy(out + used, edits[e].text, add);
		used += add;
		at = edits[e].end;
	}
	memcpy(out + used, text + at, length - at);
	used += length - at;
	out[used] = '\0';
	free(edits);
	return out;
}
