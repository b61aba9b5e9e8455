/* Reading and validating a batch file (include/migflow/batch.h): its
 * scenarios, fixed parameters, sweep (grid or Sobol), posterior and
 * from_state, and the members they make; mf_batch_load, mf_batch_destroy
 * and the accessors. */
#include "batch_private.h"
#include "migflow/ensemble.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_qrng.h>

#include "migflow/flee.h"
#include "migflow/posterior.h"
#include "migflow/sim.h"
#include "migflow/version.h"
#include "parameters.h"
#include "text.h"
#include "yamltree.h"

#define MEMBERS_MAX 100000
#define REPLICATES_MAX 10000
#define SOBOL_DIMENSIONS_MAX 40 /* gsl_qrng_sobol's limit */

/* --- small helpers --------------------------------------------------------- */

static char *copy_text(const char *text)
{
	size_t n = strlen(text) + 1;
	char *copy = malloc(n);
	if (copy)
		memcpy(copy, text, n);
	return copy;
}

/* Letters, digits, '_', '-' and '.' (not first): safe as an HDF5 group and
 * file name. */
static bool valid_member_name(const char *name)
{
	if (!name[0] || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
			return false;
	return true;
}

/* A growing string. */
struct text {
	char *data;
	size_t length, capacity;
	bool failed;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	if (t->failed)
		return;
	for (;;) {
		va_list args;
		va_start(args, fmt);
		size_t room = t->capacity - t->length;
		int n = vsnprintf(t->data ? t->data + t->length : NULL, t->data ? room : 0, fmt, args);
		va_end(args);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->data && (size_t)n < room) {
			t->length += (size_t)n;
			return;
		}
		size_t capacity = t->capacity ? 2 * t->capacity : 256;
		while (capacity < t->length + (size_t)n + 1)
			capacity *= 2;
		char *data = realloc(t->data, capacity);
		if (!data) {
			t->failed = true;
			return;
		}
		t->data = data;
		t->capacity = capacity;
	}
}

/* A JSON string literal of text. */
static void text_add_json_string(struct text *t, const char *text)
{
	text_add(t, "\"");
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			text_add(t, "\\%c", *c);
		else if (*c < 0x20)
			text_add(t, "\\u%04x", *c);
		else
			text_add(t, "%c", *c);
	}
	text_add(t, "\"");
}

/* The shortest text that reads back as exactly value. */
static void text_add_number(struct text *t, double value)
{
	char buffer[40];
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
		if (strtod(buffer, NULL) == value)
			break;
	}
	text_add(t, "%s", buffer);
}

/* --- reading the batch file -------------------------------------------------- */

struct loader {
	struct mf_batch *batch;
	struct yt_doc *doc;
	struct mf_error *err;
	struct mf_scenario **loaded; /* [n_scenarios], for validation */
};

static int fail(struct loader *l, const struct yt_node *node, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct loader *l, const struct yt_node *node, const char *field,
		const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	yt_failv(l->doc, node, field, l->err, fmt, args);
	va_end(args);
	return -1;
}

static int read_scenarios(struct loader *l, const struct yt_node *list)
{
	struct mf_batch *b = l->batch;
	if (yt_expect(l->doc, list, YT_SEQUENCE, "scenarios", l->err) < 0)
		return -1;
	if (list->n < 1)
		return fail(l, list, "scenarios", "list at least one scenario file");
	b->scenarios = calloc((size_t)list->n, sizeof(*b->scenarios));
	l->loaded = calloc((size_t)list->n, sizeof(*l->loaded));
	if (!b->scenarios || !l->loaded)
		return mf_error_set(l->err, MF_ERR_NOMEM, "out of memory"), -1;
	char dir[PATH_SIZE];
	mf_text_copy(dir, sizeof(dir), b->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		dir[0] = '\0';
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *item = list->items[i];
		struct batch_scenario *s = &b->scenarios[i];
		char field[64];
		snprintf(field, sizeof(field), "scenarios[%d]", i);
		const struct yt_node *path = item, *name = NULL;
		if (item->kind == YT_MAPPING) {
			static const char *const keys[] = {"path", "name"};
			if (yt_check_keys(l->doc, item, keys, 2, field, l->err) < 0)
				return -1;
			path = yt_get(item, "path");
			name = yt_get(item, "name");
			if (!path)
				return fail(l, item, field, "required key 'path' missing");
		}
		if (yt_string(l->doc, path, field, s->given, sizeof(s->given), l->err) < 0)
			return -1;
		if (!s->given[0])
			return fail(l, path, field, "expected a scenario file name");
		int n = snprintf(s->path, sizeof(s->path), "%s%s", s->given[0] == '/' ? "" : dir,
				 s->given);
		if (n < 0 || (size_t)n >= sizeof(s->path))
			return fail(l, path, field, "path too long");
		if (name) {
			char name_field[80];
			snprintf(name_field, sizeof(name_field), "%s.name", field);
			if (yt_string(l->doc, name, name_field, s->name, sizeof(s->name), l->err) < 0)
				return -1;
			if (!valid_member_name(s->name))
				return fail(l, name, name_field,
					    "'%s': use letters, digits, '_', '-' and '.'", s->name);
		} else {
			const char *base = strrchr(s->given, '/');
			base = base ? base + 1 : s->given;
			size_t length = strcspn(base, ".");
			if (length == 0 || length >= sizeof(s->name))
				return fail(l, path, field, "cannot name a member after '%s': give `name:`",
					    s->given);
			memcpy(s->name, base, length);
			s->name[length] = '\0';
			if (!valid_member_name(s->name))
				return fail(l, path, field,
					    "cannot name a member after '%s' (letters, digits, '_', '-' "
					    "and '.' only): give `name:`", s->given);
		}
		for (int j = 0; j < i; j++)
			if (strcmp(b->scenarios[j].name, s->name) == 0)
				return fail(l, name ? name : path, field,
					    "two scenarios are called '%s': give one a `name:`", s->name);
		b->n_scenarios = i + 1;
		if (access(s->path, R_OK) < 0)
			return fail(l, path, field, "cannot read %s: %s", s->path, strerror(errno));
		l->loaded[i] = mf_scenario_load(s->path, l->err);
		if (!l->loaded[i]) {
			/* The scenario's own error names its file:line:column; say which
			 * entry of the batch led there. */
			if (!l->err->file[0])
				return fail(l, path, field, "%s", l->err->message);
			return -1;
		}
		s->seed = b->has_seed ? b->seed : l->loaded[i]->seed;
		s->text_hash = mf_scenario_text_hash(l->loaded[i]);
	}
	return 0;
}

static int intent_index(const char *name)
{
	for (int i = 0; i < MF_INTENT_COUNT; i++)
		if (strcmp(name, mf_intent_name((enum mf_intent)i)) == 0)
			return i;
	return -1;
}

/* Resolves a parameter name (the key node) and checks it against every
 * scenario of the batch. */
static int resolve_parameter(struct loader *l, const struct yt_node *key, const char *where,
			     struct parameter *p)
{
	char field[NAME_SIZE + 64];
	if (key->kind != YT_SCALAR)
		return fail(l, key, where, "expected a parameter name");
	snprintf(field, sizeof(field), "%s.%s", where, key->text);
	if (!mf_text_copy(p->name, sizeof(p->name), key->text))
		return fail(l, key, field, "name too long");
	char parts[3][NAME_SIZE] = {"", "", ""};
	int n_parts = 0;
	for (const char *c = p->name; n_parts < 4;) {
		size_t length = strcspn(c, ".");
		if (n_parts == 3 || length >= NAME_SIZE)
			return fail(l, key, field, "unknown parameter '%s'", p->name);
		memcpy(parts[n_parts], c, length);
		parts[n_parts++][length] = '\0';
		if (!c[length])
			break;
		c += length + 1;
	}
	if (strcmp(parts[0], "source_rate") == 0) {
		p->kind = PARAMETER_SOURCE_RATE;
		p->intent = -1;
		if (n_parts >= 2 && !mf_text_copy(p->place, sizeof(p->place), parts[1]))
			return fail(l, key, field, "place id too long");
		if (n_parts == 3 && (p->intent = intent_index(parts[2])) < 0)
			return fail(l, key, field, "unknown intent '%s' (circular, onward, displaced, "
				    "return)", parts[2]);
		for (int s = 0; s < l->batch->n_scenarios; s++) {
			const struct mf_scenario *scenario = l->loaded[s];
			int place = p->place[0] ? mf_graph_place_index(scenario->graph, p->place) : -1;
			if (p->place[0] && place < 0)
				return fail(l, key, field, "no place '%s' in the network of %s", p->place,
					    l->batch->scenarios[s].given);
			int matching = 0;
			for (int i = 0; i < scenario->n_sources; i++)
				matching += (place < 0 || scenario->sources[i].place == place) &&
					    (p->intent < 0 || (int)scenario->sources[i].intent == p->intent);
			if (!matching)
				return fail(l, key, field, "no source matches it in %s",
					    l->batch->scenarios[s].given);
		}
		p->min = 0;
		p->max = 1e3;
		return 0;
	}
	if (strcmp(parts[0], "flee") == 0) {
		size_t offset;
		p->kind = PARAMETER_FLEE;
		if (n_parts != 2 || !mf_flee_setting_number(parts[1], &offset, &p->min, &p->max))
			return fail(l, key, field, "unknown parameter '%s': expected flee.<a number of "
				    "simsetting.yml's move_rules>, such as flee.camp_movechance", p->name);
		for (int s = 0; s < l->batch->n_scenarios; s++)
			if (l->loaded[s]->rules != MF_RULES_FLEE)
				return fail(l, key, field, "%s runs the Sahel rules: flee.* parameters are "
					    "the FLEE rules'", l->batch->scenarios[s].given);
		return 0;
	}
	/* A model parameter: it must name the same thing in every scenario. */
	p->kind = PARAMETER_MODEL;
	for (int s = 0; s < l->batch->n_scenarios; s++) {
		struct mf_param_ref ref;
		char why[600];
		enum mf_param_lookup found = mf_param_resolve(p->name, l->loaded[s]->graph, &ref, why, sizeof(why));
		if (found == MF_PARAM_UNKNOWN && !mf_param_suggest(p->name)) {
			static const char *const batch_only[] = {"source_rate"};
			char first[NAME_SIZE];
			mf_text_copy(first, sizeof(first), p->name);
			first[strcspn(first, ".")] = '\0';
			if (mf_text_suggest(first, batch_only, 1))
				return fail(l, key, field, "unknown parameter '%s' (did you mean 'source_rate'?)",
					    p->name);
		}
		if (found == MF_PARAM_UNKNOWN)
			return fail(l, key, field, "%s, source_rate[.<place>[.<intent>]]", why);
		if (found != MF_PARAM_FOUND)
			return fail(l, key, field, "%s%s%s", why,
				    ref.info->shape == MF_PARAM_BY_COUNTRY ? " of " : "",
				    ref.info->shape == MF_PARAM_BY_COUNTRY ? l->batch->scenarios[s].given : "");
		p->min = ref.info->min;
		p->max = ref.info->max;
	}
	return 0;
}

/* Whether a parameter name is already set by the batch (fixed or swept). */
static bool parameter_taken(const struct mf_batch *b, const char *name)
{
	for (int i = 0; i < b->n_fixed; i++)
		if (strcmp(b->fixed[i].name, name) == 0)
			return true;
	for (int i = 0; i < b->n_swept; i++)
		if (strcmp(b->swept[i].name, name) == 0)
			return true;
	return false;
}

static int read_fixed(struct loader *l, const struct yt_node *map)
{
	struct mf_batch *b = l->batch;
	if (yt_expect(l->doc, map, YT_MAPPING, "parameters", l->err) < 0)
		return -1;
	if (map->n > PARAMETERS_MAX)
		return fail(l, map, "parameters", "more than %d parameters", PARAMETERS_MAX);
	for (int i = 0; i < map->n; i++) {
		struct parameter *p = &b->fixed[b->n_fixed];
		if (resolve_parameter(l, map->items[2 * i], "parameters", p) < 0)
			return -1;
		if (parameter_taken(b, p->name))
			return fail(l, map->items[2 * i], "parameters", "'%s' given twice", p->name);
		char field[NAME_SIZE + 16];
		snprintf(field, sizeof(field), "parameters.%s", p->name);
		if (yt_number(l->doc, map->items[2 * i + 1], field, p->min, p->max,
			      &b->fixed_values[b->n_fixed], l->err) < 0)
			return -1;
		b->n_fixed++;
	}
	return 0;
}

static int read_grid(struct loader *l, const struct yt_node *map)
{
	struct mf_batch *b = l->batch;
	if (yt_expect(l->doc, map, YT_MAPPING, "sweep.grid", l->err) < 0)
		return -1;
	if (map->n < 1 || map->n > PARAMETERS_MAX)
		return fail(l, map, "sweep.grid", "give 1 to %d parameters, each with a list of values",
			    PARAMETERS_MAX);
	long points = 1;
	for (int i = 0; i < map->n; i++) {
		struct parameter *p = &b->swept[i];
		if (resolve_parameter(l, map->items[2 * i], "sweep.grid", p) < 0)
			return -1;
		if (parameter_taken(b, p->name))
			return fail(l, map->items[2 * i], "sweep.grid", "'%s' given twice", p->name);
		b->n_swept = i + 1;
		const struct yt_node *values = map->items[2 * i + 1];
		char field[NAME_SIZE + 16];
		snprintf(field, sizeof(field), "sweep.grid.%s", p->name);
		if (yt_expect(l->doc, values, YT_SEQUENCE, field, l->err) < 0)
			return -1;
		if (values->n < 1)
			return fail(l, values, field, "expected a list of at least one value");
		points *= values->n;
		if (points > MEMBERS_MAX)
			return fail(l, values, field, "the grid has more than %d points", MEMBERS_MAX);
	}
	b->n_points = (int)points;
	b->points = calloc((size_t)points * (size_t)b->n_swept, sizeof(double));
	if (!b->points)
		return mf_error_set(l->err, MF_ERR_NOMEM, "out of memory"), -1;
	/* The last parameter varies fastest. */
	for (int point = 0; point < b->n_points; point++) {
		int rest = point;
		for (int j = b->n_swept - 1; j >= 0; j--) {
			const struct yt_node *values = map->items[2 * j + 1];
			int k = rest % values->n;
			rest /= values->n;
			char field[NAME_SIZE + 32];
			snprintf(field, sizeof(field), "sweep.grid.%s[%d]", b->swept[j].name, k);
			if (yt_number(l->doc, values->items[k], field, b->swept[j].min, b->swept[j].max,
				      &b->points[(size_t)point * (size_t)b->n_swept + (size_t)j],
				      l->err) < 0)
				return -1;
		}
	}
	return 0;
}

static int read_sobol(struct loader *l, const struct yt_node *map)
{
	struct mf_batch *b = l->batch;
	static const char *const keys[] = {"points", "bounds"};
	if (yt_expect(l->doc, map, YT_MAPPING, "sweep.sobol", l->err) < 0 ||
	    yt_check_keys(l->doc, map, keys, 2, "sweep.sobol", l->err) < 0)
		return -1;
	const struct yt_node *points = yt_get(map, "points"), *bounds = yt_get(map, "bounds");
	if (!points || !bounds)
		return fail(l, map, "sweep.sobol", "give `points:` (how many) and `bounds:` "
			    "(parameter: [low, high])");
	long n_points;
	if (yt_integer(l->doc, points, "sweep.sobol.points", 1, MEMBERS_MAX, &n_points, l->err) < 0 ||
	    yt_expect(l->doc, bounds, YT_MAPPING, "sweep.sobol.bounds", l->err) < 0)
		return -1;
	if (bounds->n < 1 || bounds->n > SOBOL_DIMENSIONS_MAX)
		return fail(l, bounds, "sweep.sobol.bounds", "give 1 to %d parameters (GSL's Sobol "
			    "sequence has at most %d dimensions)", SOBOL_DIMENSIONS_MAX,
			    SOBOL_DIMENSIONS_MAX);
	double low[SOBOL_DIMENSIONS_MAX], high[SOBOL_DIMENSIONS_MAX];
	for (int i = 0; i < bounds->n; i++) {
		struct parameter *p = &b->swept[i];
		if (resolve_parameter(l, bounds->items[2 * i], "sweep.sobol.bounds", p) < 0)
			return -1;
		if (parameter_taken(b, p->name))
			return fail(l, bounds->items[2 * i], "sweep.sobol.bounds", "'%s' given twice",
				    p->name);
		b->n_swept = i + 1;
		const struct yt_node *range = bounds->items[2 * i + 1];
		char field[NAME_SIZE + 32];
		snprintf(field, sizeof(field), "sweep.sobol.bounds.%s", p->name);
		if (yt_expect(l->doc, range, YT_SEQUENCE, field, l->err) < 0)
			return -1;
		if (range->n != 2)
			return fail(l, range, field, "expected [low, high]");
		if (yt_number(l->doc, range->items[0], field, p->min, p->max, &low[i], l->err) < 0 ||
		    yt_number(l->doc, range->items[1], field, p->min, p->max, &high[i], l->err) < 0)
			return -1;
		if (low[i] > high[i])
			return fail(l, range, field, "low bound %g above high bound %g", low[i], high[i]);
	}
	b->n_points = (int)n_points;
	b->points = calloc((size_t)n_points * (size_t)b->n_swept, sizeof(double));
	gsl_qrng *sobol = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)b->n_swept);
	if (!b->points || !sobol) {
		gsl_qrng_free(sobol);
		return mf_error_set(l->err, MF_ERR_NOMEM, "out of memory"), -1;
	}
	double unit[SOBOL_DIMENSIONS_MAX];
	for (int point = 0; point < b->n_points; point++) {
		gsl_qrng_get(sobol, unit);
		for (int j = 0; j < b->n_swept; j++) {
			double value = low[j] + unit[j] * (high[j] - low[j]);
			b->points[(size_t)point * (size_t)b->n_swept + (size_t)j] =
				value > high[j] ? high[j] : value;
		}
	}
	gsl_qrng_free(sobol);
	return 0;
}

static int read_sweep(struct loader *l, const struct yt_node *map)
{
	static const char *const keys[] = {"grid", "sobol"};
	if (yt_expect(l->doc, map, YT_MAPPING, "sweep", l->err) < 0 ||
	    yt_check_keys(l->doc, map, keys, 2, "sweep", l->err) < 0)
		return -1;
	const struct yt_node *grid = yt_get(map, "grid"), *sobol = yt_get(map, "sobol");
	if ((grid != NULL) == (sobol != NULL))
		return fail(l, map, "sweep", "give either `grid:` or `sobol:`");
	return grid ? read_grid(l, grid) : read_sobol(l, sobol);
}

/* The parameters of member (scenario, point) as a JSON object. */
static char *member_parameters(const struct mf_batch *b, int point)
{
	struct text t = {0};
	text_add(&t, "{");
	int written = 0;
	for (int i = 0; i < b->n_fixed; i++, written++) {
		text_add(&t, "%s", written ? ", " : "");
		text_add_json_string(&t, b->fixed[i].name);
		text_add(&t, ": ");
		text_add_number(&t, b->fixed_values[i]);
	}
	for (int j = 0; point >= 0 && j < b->n_swept; j++, written++) {
		text_add(&t, "%s", written ? ", " : "");
		text_add_json_string(&t, b->swept[j].name);
		text_add(&t, ": ");
		text_add_number(&t, b->points[(size_t)point * (size_t)b->n_swept + (size_t)j]);
	}
	text_add(&t, "}");
	if (t.failed) {
		free(t.data);
		return NULL;
	}
	return t.data;
}

static int make_members(struct loader *l)
{
	struct mf_batch *b = l->batch;
	int points = b->n_points ? b->n_points : 1;
	long n = (long)b->n_scenarios * points;
	if (n > MEMBERS_MAX)
		return mf_error_set(l->err, MF_ERR_INPUT, "%s: %ld members, at most %d", b->path, n,
				    MEMBERS_MAX), -1;
	b->members = calloc((size_t)n, sizeof(*b->members));
	if (!b->members)
		return mf_error_set(l->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int s = 0; s < b->n_scenarios; s++)
		for (int p = 0; p < points; p++) {
			struct member *m = &b->members[b->n_members++];
			const struct batch_scenario *scenario = &b->scenarios[s];
			m->scenario = s;
			m->point = b->n_points ? p : -1;
			if (b->n_points)
				snprintf(m->name, sizeof(m->name), "%s_p%d", scenario->name, p);
			else
				snprintf(m->name, sizeof(m->name), "%s", scenario->name);
			m->parameters = member_parameters(b, m->point);
			struct text key = {0};
			text_add(&key, "migflow %s; scenario %s (text %016llx); parameters %s; seed %llu; "
				 "replicates %d; days %d; agent_scale %d", MF_VERSION, scenario->given,
				 (unsigned long long)scenario->text_hash,
				 m->parameters ? m->parameters : "", (unsigned long long)scenario->seed,
				 b->replicates, b->days, b->agent_scale);
			if (b->posterior[0])
				text_add(&key, "; posterior %s (bytes %016llx)", b->posterior,
					 (unsigned long long)b->posterior_hash);
			m->key = key.data;
			if (!m->parameters || key.failed || !m->key)
				return mf_error_set(l->err, MF_ERR_NOMEM, "out of memory"), -1;
		}
	for (int i = 0; i < b->n_members; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(b->members[i].name, b->members[j].name) == 0)
				return mf_error_set(l->err, MF_ERR_INPUT,
						    "%s: two members are called '%s': name the scenarios "
						    "apart with `name:`", b->path, b->members[i].name), -1;
	return 0;
}

/* A file named in the batch file at node (field), relative to the batch
 * file, into out (PATH_SIZE). */
static int read_relative_path(struct loader *l, const struct yt_node *node, const char *field,
			      char *out)
{
	struct mf_batch *b = l->batch;
	char given[PATH_SIZE];
	if (yt_string(l->doc, node, field, given, sizeof(given), l->err) < 0)
		return -1;
	const char *slash = strrchr(b->path, '/');
	int dir = given[0] != '/' && slash ? (int)(slash - b->path + 1) : 0;
	int n = snprintf(out, PATH_SIZE, "%.*s%s", dir, b->path, given);
	if (n < 0 || (size_t)n >= PATH_SIZE)
		return fail(l, node, field, "path too long");
	return 0;
}

/* posterior: FILE, relative to the batch file: a posterior file whose
 * draws the replicates take. */
static int read_posterior(struct loader *l, const struct yt_node *node)
{
	struct mf_batch *b = l->batch;
	if (read_relative_path(l, node, "posterior", b->posterior) < 0)
		return -1;
	struct mf_error why = {0};
	struct mf_posterior *post = mf_posterior_read(b->posterior, false, NULL, &why);
	if (!post)
		return fail(l, node, "posterior", "%s", why.message);
	mf_posterior_destroy(post);
	FILE *f = fopen(b->posterior, "rb");
	if (!f)
		return fail(l, node, "posterior", "cannot read %s: %s", b->posterior, strerror(errno));
	uint64_t hash = MF_TEXT_HASH_START;
	char buffer[65536];
	size_t got;
	while ((got = fread(buffer, 1, sizeof(buffer), f)) > 0)
		hash = mf_text_hash_bytes(hash, buffer, got);
	fclose(f);
	b->posterior_hash = hash;
	return 0;
}

/* from_state: FILE, relative to the batch file: a state written by
 * `migflow run --checkpoint` that every member branches from. A branch
 * gives the run from day 0, so the members' keys do not depend on it. */
static int read_from_state(struct loader *l, const struct yt_node *node)
{
	struct mf_batch *b = l->batch;
	if (read_relative_path(l, node, "from_state", b->from_state) < 0)
		return -1;
	struct mf_error why = {0};
	struct mf_checkpoint_info info;
	if (mf_checkpoint_info_read(b->from_state, &info, &why) != MF_OK)
		return fail(l, node, "from_state", "%s", why.message);
	mf_checkpoint_info_finish(&info);
	if (b->replicates != 1)
		return fail(l, node, "from_state", "a state is one run's: members branched from it"
			    " run one replicate (replicates: 1)");
	return 0;
}

static int read_batch(struct loader *l)
{
	struct mf_batch *b = l->batch;
	const struct yt_node *root = l->doc->root;
	if (!root)
		return mf_error_at(l->err, b->path, 1, 1, "", "empty batch file"), -1;
	static const char *const keys[] = {"name", "description", "scenarios", "days", "agent_scale",
					   "seed", "replicates", "parameters", "sweep", "posterior",
					   "from_state", "checkpoint_every"};
	if (yt_expect(l->doc, root, YT_MAPPING, "", l->err) < 0 ||
	    yt_check_keys(l->doc, root, keys, sizeof(keys) / sizeof(*keys), "", l->err) < 0)
		return -1;
	const struct yt_node *node;
	if ((node = yt_get(root, "name"))) {
		if (yt_string(l->doc, node, "name", b->name, sizeof(b->name), l->err) < 0)
			return -1;
	} else {
		const char *base = strrchr(b->path, '/');
		base = base ? base + 1 : b->path;
		snprintf(b->name, sizeof(b->name), "%.*s", (int)strcspn(base, "."), base);
	}
	if ((node = yt_get(root, "description")) &&
	    yt_expect(l->doc, node, YT_SCALAR, "description", l->err) < 0)
		return -1;
	long value;
	if ((node = yt_get(root, "days"))) {
		if (yt_integer(l->doc, node, "days", 1, MF_DAYS_MAX, &value, l->err) < 0)
			return -1;
		b->days = (int)value;
	}
	if ((node = yt_get(root, "agent_scale"))) {
		if (yt_integer(l->doc, node, "agent_scale", 1, 100000, &value, l->err) < 0)
			return -1;
		b->agent_scale = (int)value;
	}
	if ((node = yt_get(root, "seed"))) {
		if (yt_integer(l->doc, node, "seed", 0, LONG_MAX, &value, l->err) < 0)
			return -1;
		b->has_seed = true;
		b->seed = (uint64_t)value;
	}
	b->replicates = 1;
	if ((node = yt_get(root, "replicates"))) {
		if (yt_integer(l->doc, node, "replicates", 1, REPLICATES_MAX, &value, l->err) < 0)
			return -1;
		b->replicates = (int)value;
	}
	if ((node = yt_get(root, "posterior")) && read_posterior(l, node) < 0)
		return -1;
	if ((node = yt_get(root, "from_state")) && read_from_state(l, node) < 0)
		return -1;
	if ((node = yt_get(root, "checkpoint_every"))) {
		if (yt_integer(l->doc, node, "checkpoint_every", 1, MF_DAYS_MAX, &value, l->err) < 0)
			return -1;
		b->checkpoint_every = (int)value;
	}
	if (!(node = yt_get(root, "scenarios")))
		return fail(l, root, "scenarios", "required key missing: the scenario files to run");
	if (read_scenarios(l, node) < 0)
		return -1;
	if ((node = yt_get(root, "parameters")) && read_fixed(l, node) < 0)
		return -1;
	if ((node = yt_get(root, "sweep")) && read_sweep(l, node) < 0)
		return -1;
	return make_members(l);
}

struct mf_batch *mf_batch_load(const char *path, struct mf_error *err)
{
	struct mf_batch *b = calloc(1, sizeof(*b));
	if (!b) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if (!mf_text_copy(b->path, sizeof(b->path), path)) {
		mf_error_set(err, MF_ERR_INPUT, "%s: path too long", path);
		free(b);
		return NULL;
	}
	struct loader l = {.batch = b, .err = err};
	l.doc = yt_load(path, err);
	int status = l.doc ? read_batch(&l) : -1;
	if (status == 0 && !(b->text = copy_text(l.doc->source))) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		status = -1;
	}
	if (l.loaded)
		for (int i = 0; i < b->n_scenarios; i++)
			mf_scenario_destroy(l.loaded[i]);
	free(l.loaded);
	yt_free(l.doc);
	if (status < 0) {
		if (err && err->code == MF_OK)
			mf_error_set(err, MF_ERR_INPUT, "%s: invalid batch", path);
		mf_batch_destroy(b);
		return NULL;
	}
	return b;
}

void mf_batch_destroy(struct mf_batch *batch)
{
	if (!batch)
		return;
	for (int i = 0; i < batch->n_members; i++) {
		free(batch->members[i].parameters);
		free(batch->members[i].key);
	}
	free(batch->members);
	free(batch->points);
	free(batch->scenarios);
	free(batch->text);
	free(batch);
}

const char *mf_batch_name(const struct mf_batch *batch)
{
	return batch->name;
}

int mf_batch_member_count(const struct mf_batch *batch)
{
	return batch->n_members;
}

const char *mf_batch_member_name(const struct mf_batch *batch, int i)
{
	return batch->members[i].name;
}

const char *mf_batch_member_scenario_name(const struct mf_batch *batch, int i)
{
	return batch->scenarios[batch->members[i].scenario].name;
}

const char *mf_batch_member_parameters(const struct mf_batch *batch, int i)
{
	return batch->members[i].parameters;
}

int mf_batch_replicates(const struct mf_batch *batch)
{
	return batch->replicates;
}
