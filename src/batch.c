/* Batches: scenarios x parameter sweep x replicates, one member file each,
 * assembled into one HDF5 file (include/migflow/batch.h). */
#include "migflow/batch.h"
#include "migflow/ensemble.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
#define PARAMETERS_MAX 64
#define NAME_SIZE 128
#define PATH_SIZE 1024
#define WORK_SUFFIX ".work"

enum parameter_kind {
	PARAMETER_MODEL,       /* a model parameter (parameters.h), resolved per scenario */
	PARAMETER_SOURCE_RATE, /* source_rate[.<place>[.<intent>]], a multiplier */
	PARAMETER_FLEE,        /* flee.<number of move_rules>, scenarios with rules flee */
};

/* A parameter a batch sets, resolved from its name. */
struct parameter {
	char name[NAME_SIZE];
	enum parameter_kind kind;
	int intent;            /* SOURCE_RATE: -1 = every intent */
	char place[MF_ID_MAX]; /* SOURCE_RATE: "" = every place */
	double min, max;
};

struct batch_scenario {
	char path[PATH_SIZE];    /* as opened: relative to the batch file's directory */
	char given[PATH_SIZE];   /* as written in the batch file */
	char name[MF_NAME_MAX];  /* member name prefix */
	uint64_t seed;           /* the seed its members use */
	uint64_t text_hash;      /* of its resolved text and source files */
};

struct member {
	char name[NAME_SIZE];
	int scenario;
	int point;               /* sweep point, -1 without a sweep */
	char *parameters;        /* JSON object */
	char *key;               /* what its data depend on */
};

struct mf_batch {
	char path[PATH_SIZE];
	char name[MF_NAME_MAX];
	char *text;              /* the batch file as read */
	int days;                /* 0: each scenario's */
	int agent_scale;         /* 0: each scenario's */
	bool has_seed;
	uint64_t seed;
	int replicates;
	/* `posterior:` (relative to the batch file), "" if none: replicates
	 * are then draws from it (migflow run --posterior). */
	char posterior[PATH_SIZE];
	uint64_t posterior_hash;  /* of the file's bytes, for member keys */
	/* `from_state:` (relative to the batch file), "" if none: every member
	 * branches from this state of its parent (migflow run --from-state). */
	char from_state[PATH_SIZE];
	int checkpoint_every;     /* `checkpoint_every:` days, 0: on interruption only */
	int n_scenarios;
	struct batch_scenario *scenarios;
	int n_fixed;             /* `parameters:`, the same for every member */
	struct parameter fixed[PARAMETERS_MAX];
	double fixed_values[PARAMETERS_MAX];
	int n_swept;             /* the sweep's parameters */
	struct parameter swept[PARAMETERS_MAX];
	int n_points;            /* 0 without a sweep */
	double *points;          /* [point * n_swept + parameter] */
	int n_members;
	struct member *members;
};

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
	char message[512];
	va_list args;
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	return yt_fail(l->doc, node, field, l->err, "%s", message);
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
		if (yt_integer(l->doc, node, "days", 1, 60000, &value, l->err) < 0)
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
		if (yt_integer(l->doc, node, "checkpoint_every", 1, 60000, &value, l->err) < 0)
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

/* --- members ----------------------------------------------------------------- */

static void apply_parameter(struct mf_scenario *s, const struct parameter *p, double value)
{
	switch (p->kind) {
	case PARAMETER_MODEL: {
		struct mf_param_ref ref;
		char why[600];
		if (mf_param_resolve(p->name, s->graph, &ref, why, sizeof(why)) == MF_PARAM_FOUND)
			mf_param_set(&s->params, &ref, value);
		break;
	}
	case PARAMETER_FLEE: {
		double min, max, *setting = s->flee_owned
			? mf_flee_setting(&s->flee_owned->settings, p->name + 5, &min, &max) : NULL;
		if (setting)
			*setting = value;
		break;
	}
	case PARAMETER_SOURCE_RATE: {
		int place = p->place[0] ? mf_graph_place_index(s->graph, p->place) : -1;
		for (int i = 0; i < s->n_sources; i++)
			if ((place < 0 || s->sources[i].place == place) &&
			    (p->intent < 0 || (int)s->sources[i].intent == p->intent))
				s->sources[i].rate *= value;
		break;
	}
	}
}

/* The batch's fixed parameters and the member's sweep point. */
static void apply_member_parameters(const struct mf_batch *batch, const struct member *m,
				    struct mf_scenario *s)
{
	for (int f = 0; f < batch->n_fixed; f++)
		apply_parameter(s, &batch->fixed[f], batch->fixed_values[f]);
	for (int j = 0; m->point >= 0 && j < batch->n_swept; j++)
		apply_parameter(s, &batch->swept[j],
				batch->points[(size_t)m->point * (size_t)batch->n_swept + (size_t)j]);
}

struct mf_scenario *mf_batch_member_scenario(const struct mf_batch *batch, int i,
					     struct mf_error *err)
{
	if (i < 0 || i >= batch->n_members) {
		mf_error_set(err, MF_ERR_INTERNAL, "batch: no member %d", i);
		return NULL;
	}
	const struct member *m = &batch->members[i];
	const struct batch_scenario *bs = &batch->scenarios[m->scenario];
	struct mf_scenario *s = mf_scenario_load(bs->path, err);
	if (!s)
		return NULL;
	if (mf_scenario_text_hash(s) != bs->text_hash) {
		mf_error_set(err, MF_ERR_INPUT, "%s: the scenario (or a file it reads) changed since "
			     "the batch was loaded", bs->path);
		mf_scenario_destroy(s);
		return NULL;
	}
	if (batch->agent_scale && s->rules == MF_RULES_FLEE && batch->agent_scale != s->agent_scale) {
		mf_error_set(err, MF_ERR_INPUT, "%s: agent_scale: a FLEE world is read at its agent scale "
			     "(hasten); set agent_scale in the scenario, not the batch", bs->path);
		mf_scenario_destroy(s);
		return NULL;
	}
	if (batch->agent_scale)
		s->agent_scale = batch->agent_scale;
	apply_member_parameters(batch, m, s);
	return s;
}

/* Keeps a member's posterior draws and writes them into its file before
 * the output sink finishes it. */
struct draws_sink {
	struct mf_posterior_draws *draws;
	struct mf_sink *output;
};

static enum mf_status draws_finish(struct mf_sink *sink, const struct mf_ensemble_result *result,
				   struct mf_error *err)
{
	(void)result;
	struct draws_sink *d = sink->data;
	return mf_posterior_draws_store(d->draws, mf_output_sink_output(d->output), err);
}

static const struct mf_sink_impl draws_impl = {
	.finish = draws_finish,
	.concurrent = true,
};

char *mf_batch_work_dir(const char *out_path)
{
	size_t n = strlen(out_path);
	char *dir = malloc(n + sizeof(WORK_SUFFIX));
	if (dir) {
		memcpy(dir, out_path, n);
		memcpy(dir + n, WORK_SUFFIX, sizeof(WORK_SUFFIX));
	}
	return dir;
}

char *mf_batch_member_path(const struct mf_batch *batch, int i, const char *work_dir)
{
	size_t n = strlen(work_dir) + strlen(batch->members[i].name) + 8;
	char *path = malloc(n);
	if (path)
		snprintf(path, n, "%s/%s.h5", work_dir, batch->members[i].name);
	return path;
}

bool mf_batch_member_done(const struct mf_batch *batch, int i, const char *work_dir)
{
	char *path = mf_batch_member_path(batch, i, work_dir);
	if (!path)
		return false;
	char *key = NULL;
	struct mf_error err = {0};
	bool done = access(path, F_OK) == 0 &&
		    mf_output_probe(path, "batch_key", &key, NULL, &err) == MF_OK && key &&
		    strcmp(key, batch->members[i].key) == 0;
	free(key);
	free(path);
	return done;
}

/* The checkpoint of a member whose file is path. Caller frees. */
static char *member_state_path(const char *path)
{
	size_t n = strlen(path) + sizeof(".state");
	char *state = malloc(n);
	if (state)
		snprintf(state, n, "%s.state", path);
	return state;
}

/* Whether state is a checkpoint of the member whose key is key; one of
 * another (the batch file changed) is removed. */
static bool member_state_valid(const char *state, const char *key)
{
	if (access(state, F_OK) != 0)
		return false;
	struct mf_error err = {0};
	struct mf_checkpoint_info info;
	bool valid = mf_checkpoint_info_read(state, &info, &err) == MF_OK && info.record_size > 0 &&
		     strcmp(info.record, key) == 0;
	mf_checkpoint_info_finish(&info);
	if (!valid)
		unlink(state);
	return valid;
}

enum mf_status mf_batch_run_member(const struct mf_batch *batch, int i,
				   const char *work_dir,
				   const struct mf_batch_run_options *options,
				   struct mf_run_stats *stats, struct mf_error *err)
{
	struct mf_scenario *scenario = mf_batch_member_scenario(batch, i, err);
	if (!scenario)
		return err ? err->code : MF_ERR_INPUT;
	const struct member *m = &batch->members[i];
	enum mf_status status = MF_OK;
	struct mf_sink *sink = NULL;
	struct draws_sink keep = {0};
	char *state = NULL;
	char *path = mf_batch_member_path(batch, i, work_dir);
	const char *attributes[] = {"member", m->name, "parameters", m->parameters,
				    "batch_key", m->key};
	if (!path || !(sink = mf_output_sink_create(path, true, attributes, 3))) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	/* The member's checkpoint beside its file: resumed when it is this
	 * member's (its key), written on interruption and every
	 * checkpoint_every days, removed once the member is done. */
	state = member_state_path(path);
	if (!state) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	bool resume = member_state_valid(state, m->key);
	struct mf_checkpoint_options checkpoint = {
		.path = state,
		.every_days = batch->checkpoint_every,
		.on_cancel = true,
		.resume = resume ? state : NULL,
		.branch = !resume && batch->from_state[0] ? batch->from_state : NULL,
		.record = m->key,
		.record_size = strlen(m->key) + 1,
	};
	struct mf_ensemble_options run = {
		.seed = batch->scenarios[m->scenario].seed,
		.replicates = batch->replicates,
		.threads = options ? options->threads : 0,
		.days = batch->days,
		.cancelled = options ? options->cancelled : NULL,
		.user = options ? options->user : NULL,
		.checkpoint = &checkpoint,
	};
	/* Under a posterior: replicate k draws its parameters, then the
	 * member's own parameters apply on top. */
	keep.output = sink;
	struct mf_sink keep_sink = {.impl = &draws_impl, .data = &keep};
	struct mf_sink *sinks[2] = {&keep_sink, sink};
	if (batch->posterior[0]) {
		keep.draws = mf_posterior_draws_create(batch->posterior,
						       batch->scenarios[m->scenario].path, run.seed,
						       batch->replicates, batch->agent_scale, err);
		if (!keep.draws) {
			status = err->code;
			goto done;
		}
		for (int k = 0; k < batch->replicates; k++)
			apply_member_parameters(batch, m, keep.draws->scenarios[k]);
		run.run_scenarios = (const struct mf_scenario *const *)keep.draws->scenarios;
	}
	struct mf_ensemble_result result;
	status = mf_ensemble_run(scenario, &run, batch->posterior[0] ? sinks : sinks + 1,
				 batch->posterior[0] ? 2 : 1, &result, err);
	if (status == MF_ERR_CANCELLED) {
		char why[sizeof(err->message)];
		snprintf(why, sizeof(why), "%s", err->message);
		mf_error_set(err, MF_ERR_CANCELLED, "member %s %s", m->name, why);
	}
	if (status == MF_OK && stats)
		*stats = (struct mf_run_stats){.agent_steps = result.agent_steps,
					       .wall_seconds = result.wall_seconds};
	if (status == MF_OK)
		unlink(state);
done:
	free(state);
	mf_posterior_draws_destroy(keep.draws);
	mf_output_sink_destroy(sink);
	mf_scenario_destroy(scenario);
	free(path);
	return status;
}

/* --- the batch file ------------------------------------------------------------ */

static enum mf_status write_member_table(const struct mf_batch *b, struct mf_output *out,
					 struct mf_error *err)
{
	enum mf_status status = MF_OK;
	int n = b->n_members;
	size_t rows = n > 0 ? (size_t)n : 1;
	int n_columns = 6 + b->n_swept;
	const char **labels = calloc(rows, sizeof(*labels));
	const char **scenario = calloc(rows, sizeof(*scenario));
	const char **scenario_path = calloc(rows, sizeof(*scenario_path));
	const char **parameters = calloc(rows, sizeof(*parameters));
	const char **state = calloc(rows, sizeof(*state));
	double *seed = calloc(rows, sizeof(*seed));
	double *replicates = calloc(rows, sizeof(*replicates));
	double *swept = calloc(rows * (size_t)(b->n_swept ? b->n_swept : 1), sizeof(*swept));
	struct mf_table_column *columns = calloc((size_t)n_columns, sizeof(*columns));
	char (*names)[NAME_SIZE + 16] = calloc((size_t)(b->n_swept ? b->n_swept : 1), sizeof(*names));
	char (*long_names)[NAME_SIZE + 64] = calloc((size_t)(b->n_swept ? b->n_swept : 1),
						     sizeof(*long_names));
	if (!labels || !scenario || !scenario_path || !parameters || !state || !seed ||
	    !replicates || !swept || !columns || !names || !long_names) {
		status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < n; i++) {
		const struct member *m = &b->members[i];
		labels[i] = m->name;
		scenario[i] = b->scenarios[m->scenario].name;
		scenario_path[i] = b->scenarios[m->scenario].given;
		parameters[i] = m->parameters;
		state[i] = "complete";
		seed[i] = (double)b->scenarios[m->scenario].seed;
		replicates[i] = b->replicates;
		for (int j = 0; j < b->n_swept; j++)
			swept[(size_t)j * rows + (size_t)i] =
				b->points[(size_t)m->point * (size_t)b->n_swept + (size_t)j];
	}
	columns[0] = (struct mf_table_column){"scenario", "scenario of the member (its name in the "
		"batch)", NULL, MF_COLUMN_TEXT, NULL, scenario};
	columns[1] = (struct mf_table_column){"scenario_path", "scenario file as given in the batch "
		"file (relative to it)", NULL, MF_COLUMN_TEXT, NULL, scenario_path};
	columns[2] = (struct mf_table_column){"parameters", "parameters set for the member (JSON "
		"object)", NULL, MF_COLUMN_TEXT, NULL, parameters};
	columns[3] = (struct mf_table_column){"status", "state of the member's group", NULL,
		MF_COLUMN_TEXT, NULL, state};
	columns[4] = (struct mf_table_column){"seed", "random seed of the member (float64: exact "
		"below 2^53)", "1", MF_COLUMN_NUMBER, seed, NULL};
	columns[5] = (struct mf_table_column){"replicates", "replicates of the member", "1",
		MF_COLUMN_NUMBER, replicates, NULL};
	for (int j = 0; j < b->n_swept; j++) {
		snprintf(names[j], sizeof(names[j]), "parameter_%s", b->swept[j].name);
		snprintf(long_names[j], sizeof(long_names[j]), "value of the swept parameter %s",
			 b->swept[j].name);
		columns[6 + j] = (struct mf_table_column){names[j], long_names[j],
			b->swept[j].kind == PARAMETER_SOURCE_RATE ? "1" : NULL, MF_COLUMN_NUMBER,
			swept + (size_t)j * rows, NULL};
	}
	struct mf_table table = {
		.dimension = "member",
		.long_name = "member of the batch (group members/<member>)",
		.n_rows = n,
		.labels = labels,
		.n_columns = n_columns,
		.columns = columns,
	};
	status = mf_output_add_table(out, &table, err);
done:
	free(long_names);
	free(names);
	free(columns);
	free(swept);
	free(replicates);
	free(seed);
	free(state);
	free(parameters);
	free(scenario_path);
	free(scenario);
	free(labels);
	return status;
}

enum mf_status mf_batch_assemble(const struct mf_batch *batch, const char *work_dir,
				 const char *out_path, bool force, struct mf_error *err)
{
	struct mf_run_stats total = {0};
	for (int i = 0; i < batch->n_members; i++) {
		if (!mf_batch_member_done(batch, i, work_dir))
			return mf_error_set(err, MF_ERR_INTERNAL, "batch: member %s is not done",
					    batch->members[i].name);
	}
	struct mf_output *out = mf_output_create_batch(out_path, force, err);
	if (!out)
		return err ? err->code : MF_ERR_IO;
	enum mf_status status = MF_OK;
	if ((status = mf_output_add_text_attribute(out, "batch_name", batch->name, err)) != MF_OK ||
	    (status = mf_output_add_text_attribute(out, "batch_path", batch->path, err)) != MF_OK ||
	    (status = mf_output_add_text_attribute(out, "batch", batch->text, err)) != MF_OK ||
	    (status = write_member_table(batch, out, err)) != MF_OK)
		goto fail;
	for (int i = 0; i < batch->n_members; i++) {
		char *path = mf_batch_member_path(batch, i, work_dir);
		char group[NAME_SIZE + 16];
		snprintf(group, sizeof(group), "members/%s", batch->members[i].name);
		struct mf_run_stats stats = {0};
		if (!path) {
			status = mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		} else if ((status = mf_output_probe(path, NULL, NULL, &stats, err)) == MF_OK) {
			status = mf_output_add_run(out, group, path, err);
			total.agent_steps += stats.agent_steps;
			total.wall_seconds += stats.wall_seconds;
		}
		free(path);
		if (status != MF_OK)
			goto fail;
	}
	return mf_output_finish(out, &total, err);
fail:
	mf_output_discard(out);
	return status;
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t n = strlen(text), m = strlen(suffix);
	return n >= m && strcmp(text + n - m, suffix) == 0;
}

int mf_batch_remove_work_dir(const char *work_dir)
{
	DIR *dir = opendir(work_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -1;
	struct dirent *entry;
	while ((entry = readdir(dir))) {
		if (!ends_with(entry->d_name, ".h5") && !ends_with(entry->d_name, ".h5.partial") &&
		    !ends_with(entry->d_name, ".h5.state") && !ends_with(entry->d_name, ".h5.state.partial"))
			continue;
		char path[PATH_SIZE];
		int n = snprintf(path, sizeof(path), "%s/%s", work_dir, entry->d_name);
		if (n > 0 && (size_t)n < sizeof(path))
			unlink(path);
	}
	closedir(dir);
	return rmdir(work_dir);
}
