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
	/* Why fitted values cannot be written back into this file (a free
	 * parameter names values of a file it extends); code MF_OK if they can. */
	struct mf_error unwritable;
	bool inherit_calibrate;
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

static struct mf_scenario_source *load(const char *path, bool inherit_calibrate,
				       struct mf_error *err)
{
	struct mf_scenario_source *source = calloc(1, sizeof(*source));
	if (!source)
		goto nomem;
	source->inherit_calibrate = inherit_calibrate;
	if (pthread_mutex_init(&source->lock, NULL) != 0)
		goto nomem;
	source->has_lock = true;
	mf_error_clear(&source->unwritable);
	source->doc = mf_read_tree(path, err);
	if (!source->doc)
		goto fail;
	source->scenario = mf_read_scenario(path, source->doc, inherit_calibrate, err);
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
		source->n_nodes[i] = mf_calibrate_select(source->doc, f->file, f->path,
							 source->nodes[i], 256);
		for (int k = 0; k < source->n_nodes[i]; k++) {
			const struct yt_node *node = source->nodes[i][k];
			mf_text_double(node->text, &source->base[i][k]);
			/* Fitted values are written back into this file; runs
			 * (posterior draws) may change values of files it extends. */
			if (strcmp(node->file, source->doc->path) != 0 &&
			    source->unwritable.code == MF_OK)
				mf_error_at(&source->unwritable, f->file, f->line, f->column, f->name,
					    "'%s' is written in %s (line %d), which this file extends: "
					    "calibrate values written in this file", f->path, node->file, node->line);
		}
	}
	return source;
nomem:
	mf_error_set(err, MF_ERR_NOMEM, "out of memory");
fail:
	mf_scenario_source_destroy(source);
	return NULL;
}

struct mf_scenario_source *mf_scenario_source_load(const char *path, struct mf_error *err)
{
	return load(path, false, err);
}

struct mf_scenario_source *mf_scenario_source_load_inherited(const char *path,
							     struct mf_error *err)
{
	return load(path, true, err);
}

const struct mf_scenario *mf_scenario_source_scenario(const struct mf_scenario_source *source)
{
	return source->scenario;
}

enum mf_status mf_scenario_source_writable(const struct mf_scenario_source *source,
					   struct mf_error *err)
{
	if (source->unwritable.code == MF_OK)
		return MF_OK;
	*err = source->unwritable;
	return err->code;
}

int mf_scenario_source_values(const struct mf_scenario_source *source, int i,
			      const double **values)
{
	if (i < 0 || i >= source->scenario->n_free)
		return 0;
	*values = source->base[i];
	return source->n_nodes[i];
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
	struct mf_scenario *s = mf_read_scenario(original->path, source->doc,
						 source->inherit_calibrate, err);
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

/* Free parameter of source named name, or -1. */
static int named(const struct mf_scenario_source *source, const char *name)
{
	for (int i = 0; i < source->scenario->n_free; i++)
		if (strcmp(source->scenario->free[i].name, name) == 0)
			return i;
	return -1;
}

/* Solves the k x k system a x = b in place (partial pivoting); false when
 * singular. */
static bool solve_linear(int k, double *a, double *b)
{
	for (int c = 0; c < k; c++) {
		int pivot = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(a[r * k + c]) > fabs(a[pivot * k + c]))
				pivot = r;
		if (fabs(a[pivot * k + c]) < 1e-12)
			return false;
		for (int j = 0; j < k; j++) {
			double t = a[c * k + j];
			a[c * k + j] = a[pivot * k + j];
			a[pivot * k + j] = t;
		}
		double t = b[c];
		b[c] = b[pivot];
		b[pivot] = t;
		for (int r = 0; r < k; r++) {
			if (r == c)
				continue;
			double f = a[r * k + c] / a[c * k + c];
			for (int j = c; j < k; j++)
				a[r * k + j] -= f * a[c * k + j];
			b[r] -= f * b[c];
		}
	}
	for (int c = 0; c < k; c++)
		b[c] /= a[c * k + c];
	return true;
}

enum mf_status mf_scenario_source_rebase(const struct mf_scenario_source *source,
					 const struct mf_scenario_source *reference,
					 const bool *solve, double *factor, struct mf_error *err)
{
	const struct mf_scenario *s = source->scenario;
	int k = s->n_free;
	for (int i = 0; i < k; i++)
		factor[i] = 1.0;
	/* One equation per value the scale parameters multiply and no set
	 * parameter sets: sum over the solved parameters touching it of
	 * log factor = log(source value / reference value). */
	enum { MAX_EQUATIONS = 2048 };
	struct equation {
		const struct yt_node *node;
		unsigned touch;          /* bit i: solved parameter i multiplies it */
		double rhs;
		int param;               /* a parameter naming it, for messages */
	} *eq = calloc(MAX_EQUATIONS, sizeof(*eq));
	double *a = calloc((size_t)k * (size_t)k + 1, sizeof(double));
	double *b = calloc((size_t)k + 1, sizeof(double));
	enum mf_status status = MF_OK;
	int n = 0;
	if (!eq || !a || !b) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	if (k > 31) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: more than 31 free parameters", s->path);
		goto done;
	}
	for (int i = 0; i < k; i++) {
		if (!s->free[i].multiplier || !solve[i])
			continue;
		int r = named(reference, s->free[i].name);
		if (r < 0 || !reference->scenario->free[r].multiplier ||
		    reference->n_nodes[r] != source->n_nodes[i]) {
			status = mf_error_at(err, s->free[i].file, s->free[i].line, s->free[i].column,
					     s->free[i].name, "'%s' does not scale the same values in %s",
					     s->free[i].path, reference->scenario->path);
			goto done;
		}
		for (int m = 0; m < source->n_nodes[i]; m++) {
			const struct yt_node *node = source->nodes[i][m];
			int e = 0;
			while (e < n && eq[e].node != node)
				e++;
			if (e == n) {
				if (n == MAX_EQUATIONS)
					continue;
				double mine = source->base[i][m], theirs = reference->base[r][m];
				if ((mine == 0) != (theirs == 0)) {
					status = mf_error_at(err, s->free[i].file, s->free[i].line,
							     s->free[i].column, s->free[i].name,
							     "a value '%s' scales is 0 here or in %s, not in both",
							     s->free[i].path, reference->scenario->path);
					goto done;
				}
				if (mine == 0)
					continue;
				eq[n++] = (struct equation){node, 0, log(mine / theirs), i};
			}
			eq[e].touch |= 1u << i;
		}
	}
	/* Values a set parameter gives are not the scale parameters' doing. */
	for (int i = 0; i < k; i++)
		for (int m = 0; !s->free[i].multiplier && m < source->n_nodes[i]; m++)
			for (int e = 0; e < n; e++)
				if (eq[e].node == source->nodes[i][m])
					eq[e].touch = 0, eq[e].rhs = 0;
	/* Least squares: the normal equations; an unknown no equation holds
	 * stays 0 (factor 1). */
	for (int e = 0; e < n; e++)
		for (int i = 0; i < k; i++) {
			if (!(eq[e].touch >> i & 1))
				continue;
			b[i] += eq[e].rhs;
			for (int j = 0; j < k; j++)
				a[i * k + j] += eq[e].touch >> j & 1;
		}
	for (int i = 0; i < k; i++)
		if (a[i * k + i] == 0)
			a[i * k + i] = 1;
	if (!solve_linear(k, a, b)) {
		status = mf_error_set(err, MF_ERR_INPUT, "%s: the scale parameters cannot be told apart "
				      "by the values they multiply", s->path);
		goto done;
	}
	for (int e = 0; e < n; e++) {
		double sum = 0;
		for (int i = 0; i < k; i++)
			if (eq[e].touch >> i & 1)
				sum += b[i];
		if (eq[e].touch && fabs(sum - eq[e].rhs) > 1e-6) {
			const struct mf_free_parameter *f = &s->free[eq[e].param];
			status = mf_error_at(err, f->file, f->line, f->column, f->name,
					     "the values '%s' scales (line %d) are not the values of %s "
					     "times the scale parameters' factors", f->path,
					     eq[e].node->line, reference->scenario->path);
			goto done;
		}
	}
	for (int i = 0; i < k; i++)
		factor[i] = exp(b[i]);
done:
	free(eq);
	free(a);
	free(b);
	return status;
}
