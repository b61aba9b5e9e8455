/* Reading a scenario: the top level (scenario_private.h). */
/* realpath(3) */
#define _DEFAULT_SOURCE
#include "scenario_private.h"

#include "migflow/flee.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "text.h"

int mf_read_fail(struct reader *r, const struct yt_node *node, const char *field, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	yt_failv(r->doc, node, field, r->err, fmt, args);
	va_end(args);
	return -1;
}

int mf_read_require_keys(struct reader *r, const struct yt_node *m, const char *where,
			 const char *const *keys, int n)
{
	for (int k = 0; k < n; k++)
		if (!yt_get(m, keys[k])) {
			char field[160];
			snprintf(field, sizeof(field), "%s.%s", where, keys[k]);
			return mf_read_fail(r, m, field, "required key missing");
		}
	return 0;
}

const struct yt_node *mf_read_one_of(struct reader *r, const struct yt_node *m, const char *where,
				     const char *first, const char *second, int *which)
{
	const struct yt_node *a = yt_get(m, first), *b = second ? yt_get(m, second) : NULL;
	char field[96];
	if (a && b) {
		FIELD(field, "%s.%s", where, second);
		mf_read_fail(r, b, field, "give '%s' or '%s', not both", first, second);
		return NULL;
	}
	if (!a && !b) {
		FIELD(field, "%s.%s", where, first);
		if (second)
			mf_read_fail(r, m, field, "required key missing (or give '%s')", second);
		else
			mf_read_fail(r, m, field, "required key missing");
		return NULL;
	}
	*which = a ? 0 : 1;
	return a ? a : b;
}

/* Resolves a path relative to the directory of the file that names it. */
void mf_read_relative_path(const char *naming_file, const char *name, char *out, size_t size)
{
	if (name[0] == '/') {
		snprintf(out, size, "%s", name);
		return;
	}
	char copy[PATH_MAX];
	mf_text_copy(copy, sizeof(copy), naming_file);
	const char *dir = dirname(copy);
	if (strcmp(dir, ".") == 0)
		snprintf(out, size, "%s", name);
	else
		snprintf(out, size, "%s/%s", dir, name);
}

int mf_read_description(struct reader *r, const struct yt_node *root)
{
	const struct yt_node *node = yt_get(root, "description");
	if (!node)
		return 0;
	if (yt_expect(r->doc, node, YT_SCALAR, "description", r->err) < 0)
		return -1;
	r->s->description = strdup(node->text);
	return 0;
}

int mf_read_report_and_seed(struct reader *r, const struct yt_node *root)
{
	struct mf_scenario *s = r->s;
	const struct yt_node *node;
	s->report_from = 0;
	if ((node = yt_get(root, "report_from"))) {
		int date;
		if (yt_date(r->doc, node, "report_from", &date, r->err) < 0)
			return -1;
		if (date < s->start || date >= s->start + s->days)
			return mf_read_fail(r, node, "report_from", "date outside the run");
		s->report_from = date - s->start;
	}
	s->seed = 1;
	if ((node = yt_get(root, "seed"))) {
		long seed;
		if (yt_integer(r->doc, node, "seed", 0, LONG_MAX, &seed, r->err) < 0)
			return -1;
		s->seed = (uint64_t)seed;
	}
	return 0;
}

/* name, description, the period, seed and agent scale. */
static int read_run(struct reader *r, const struct yt_node *root)
{
	struct mf_scenario *s = r->s;
	const struct yt_doc *doc = r->doc;
	if (yt_string(doc, yt_get(root, "name"), "name", s->name, sizeof(s->name), r->err) < 0 ||
	    yt_date(doc, yt_get(root, "start"), "start", &s->start, r->err) < 0)
		return -1;
	const struct yt_node *node;
	if (mf_read_description(r, root) < 0)
		return -1;
	const struct yt_node *days = yt_get(root, "days"), *end = yt_get(root, "end");
	if (days && end)
		return mf_read_fail(r, end, "end", "give 'days' or 'end', not both");
	if (!days && !end)
		return mf_read_fail(r, root, "days", "required key missing (or give 'end')");
	if (days) {
		long n;
		if (yt_integer(doc, days, "days", 1, 36500, &n, r->err) < 0)
			return -1;
		s->days = (int)n;
	} else {
		int last;
		if (yt_date(doc, end, "end", &last, r->err) < 0)
			return -1;
		if (last < s->start || last - s->start >= 36500)
			return mf_read_fail(r, end, "end", "expected a date on or after 'start' and within 100 years");
		s->days = last - s->start + 1;
	}
	if (mf_read_report_and_seed(r, root) < 0)
		return -1;
	s->agent_scale = 1;
	if ((node = yt_get(root, "agent_scale"))) {
		long scale;
		if (yt_integer(doc, node, "agent_scale", 1, 100000, &scale, r->err) < 0)
			return -1;
		s->agent_scale = (int)scale;
	}
	return 0;
}

/* `network:` and `destination:`. The network files are written back into
 * the tree as absolute paths: the resolved scenario names the files it
 * used, wherever it is read. */
static int read_network(struct reader *r, const struct yt_node *root)
{
	struct mf_scenario *s = r->s;
	const struct yt_doc *doc = r->doc;
	const struct yt_node *network = yt_get(root, "network");
	static const char *const network_keys[] = {"places", "links"};
	if (yt_expect(doc, network, YT_MAPPING, "network", r->err) < 0 ||
	    yt_check_keys(doc, network, network_keys, 2, "network", r->err) < 0)
		return -1;
	char names[2][PATH_MAX], paths[2][PATH_MAX];
	for (int k = 0; k < 2; k++) {
		char field[32];
		FIELD(field, "network.%s", network_keys[k]);
		if (!yt_get(network, network_keys[k]))
			return mf_read_fail(r, network, field, "required key missing");
		if (yt_string(doc, yt_get(network, network_keys[k]), field, names[k], sizeof(names[k]), r->err) < 0)
			return -1;
		mf_read_relative_path(yt_get(network, network_keys[k])->file, names[k], paths[k], sizeof(paths[k]));
		struct yt_node *path_node = yt_get(network, network_keys[k]);
		char real[PATH_MAX];
		if (!realpath(paths[k], real))
			return mf_read_fail(r, path_node, field, "cannot open '%s': %s", paths[k], strerror(errno));
		char *absolute = strdup(real);
		if (!absolute)
			return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
		free(path_node->text);
		path_node->text = absolute;
		path_node->plain = false;
	}
	s->graph = mf_graph_load(paths[0], paths[1], r->err);
	if (!s->graph)
		return -1;
	s->params.stay_days_by_country = calloc((size_t)s->graph->n_countries, sizeof(double));
	if (!s->params.stay_days_by_country)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	if (mf_read_place(r, yt_get(root, "destination"), "destination", &s->destination) < 0)
		return -1;
	if (s->graph->places[s->destination].kind != MF_PLACE_DESTINATION)
		return mf_read_fail(r, yt_get(root, "destination"), "destination",
				    "place '%s' is of kind '%s', expected kind 'destination'",
				    s->graph->places[s->destination].id,
				    mf_place_kind_name(s->graph->places[s->destination].kind));
	return 0;
}

static int read_targets(struct reader *r, const struct yt_node *node)
{
	char name[PATH_MAX];
	if (yt_string(r->doc, node, "targets", name, sizeof(name), r->err) < 0)
		return -1;
	mf_read_relative_path(node->file, name, r->s->targets_path, sizeof(r->s->targets_path));
	if (access(r->s->targets_path, R_OK) != 0)
		return mf_read_fail(r, node, "targets", "cannot open '%s': %s", r->s->targets_path,
				    strerror(errno));
	return 0;
}

/* `rules:` (sahel, the default, or flee) and whether `flee:` gives the
 * world: 1 for a FLEE world, 0 for the Sahel rules, -1 on error. */
static int read_rules(struct reader *r, const struct yt_node *root)
{
	const struct yt_node *rules = yt_get(root, "rules"), *flee = yt_get(root, "flee");
	int kind = flee ? MF_RULES_FLEE : MF_RULES_SAHEL;
	if (rules) {
		static const char *const names[] = {"sahel", "flee"};
		if (yt_expect(r->doc, rules, YT_SCALAR, "rules", r->err) < 0)
			return -1;
		for (kind = 0; kind < MF_RULES_COUNT && strcmp(rules->text, names[kind]) != 0; kind++)
			;
		if (kind == MF_RULES_COUNT)
			return mf_read_fail(r, rules, "rules", "expected sahel or flee, got '%s'", rules->text);
		if (kind == MF_RULES_FLEE && !flee)
			return mf_read_fail(r, rules, "rules", "rules flee run a FLEE instance: give 'flee: DIR'");
		if (kind == MF_RULES_SAHEL && flee)
			return mf_read_fail(r, flee, "flee", "a FLEE instance runs with rules flee, not sahel");
	}
	r->s->rules = (enum mf_rules)kind;
	return kind == MF_RULES_FLEE;
}

static int read_top(struct reader *r, const struct yt_node *root)
{
	static const char *const keys[] = {
		"name", "description", "extends", "start", "days", "end", "report_from", "seed",
		"agent_scale", "network", "destination", "parameters", "sources", "initial",
		"monitoring", "expulsions", "policies", "events", "calibrate", "targets", "rules", "flee",
	};
	struct mf_scenario *s = r->s;
	int flee = read_rules(r, root);
	if (flee != 0)
		return flee < 0 ? -1 : mf_read_flee_world(r, root);
	if (yt_check_keys(r->doc, root, keys, sizeof(keys) / sizeof(*keys), "", r->err) < 0)
		return -1;
	static const char *const required[] = {"name", "start", "network", "destination"};
	for (int k = 0; k < 4; k++)
		if (!yt_get(root, required[k]))
			return mf_read_fail(r, root, required[k], "required key missing");
	/* The network comes before the blocks: they refer to its places. */
	if (read_run(r, root) < 0 || read_network(r, root) < 0)
		return -1;
	const struct yt_node *node;
	if ((node = yt_get(root, "parameters")) && mf_read_parameters(r, node) < 0)
		return -1;
	for (int c = 0; c < s->graph->n_countries; c++)
		if (s->params.stay_days_by_country[c] == 0)
			s->params.stay_days_by_country[c] = s->params.default_stay_days;
	if ((node = yt_get(root, "sources")) && mf_read_sources(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "initial")) && mf_read_initial(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "monitoring")) && mf_read_monitoring(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "expulsions")) && mf_read_expulsions(r, node) < 0)
		return -1;
	/* A calibration belongs to the file that declares it: a scenario that
	 * extends a calibrated one does not inherit its free parameters
	 * (unless read for runs under a posterior). */
	if ((node = yt_get(root, "calibrate")) &&
	    (r->inherit_calibrate || strcmp(node->file, r->doc->path) == 0) &&
	    mf_read_calibrate(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "targets")) && read_targets(r, node) < 0)
		return -1;
	const struct yt_node *policies = yt_get(root, "policies");
	if ((node = yt_get(root, "events")) && mf_read_events(r, node, policies) < 0)
		return -1;
	if (!yt_get(root, "events") && policies)
		return mf_read_fail(r, policies, "policies",
				    "policies are switched by events of kind 'policy'; there are no events");
	return 0;
}

/* The text of every file of the extends chain, each after a line naming it. */
static char *source_texts(const struct yt_doc *doc)
{
	size_t total = 1;
	for (const struct yt_doc *d = doc; d; d = d->parent)
		total += strlen(d->source) + strlen(d->path) + 32;
	char *text = malloc(total);
	if (!text)
		return NULL;
	size_t used = 0;
	for (const struct yt_doc *d = doc; d; d = d->parent)
		used += (size_t)snprintf(text + used, total - used, "# ---- file: %s\n%s%s", d->path,
					 d->source, *d->source && d->source[strlen(d->source) - 1] != '\n' ? "\n" : "");
	return text;
}

struct mf_scenario *mf_read_scenario(const char *path, struct yt_doc *doc, bool inherit_calibrate,
				     struct mf_error *err)
{
	struct mf_scenario *s = calloc(1, sizeof(*s));
	if (!s) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	mf_text_copy(s->path, sizeof(s->path), path);
	mf_parameters_set_defaults(&s->params);
	if (!doc->root || (doc->root->kind == YT_SCALAR && doc->root->text[0] == '\0')) {
		mf_error_at(err, path, 1, 1, "", "empty scenario: expected a mapping with name, start, days, network ...");
		goto fail;
	}
	struct reader r = {doc, s, err, inherit_calibrate};
	if (yt_expect(doc, doc->root, YT_MAPPING, "", err) < 0 || read_top(&r, doc->root) < 0)
		goto fail;
	s->resolved_text = yt_emit(doc);
	s->source_text = source_texts(doc);
	if (!s->resolved_text || !s->source_text) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		goto fail;
	}
	return s;
fail:
	mf_scenario_destroy(s);
	return NULL;
}

/* A child's events come after its parent's; a child's days replace its
 * parent's end and its end the parent's days. */
static const char *const append_keys[] = {"events"};
static const char *const alternatives[][2] = {{"days", "end"}};
static const struct yt_merge_rules merge_rules = {append_keys, 1, alternatives, 1};

struct yt_doc *mf_read_tree(const char *path, struct mf_error *err)
{
	return yt_load_extended(path, &merge_rules, err);
}

struct mf_scenario *mf_scenario_load(const char *path, struct mf_error *err)
{
	struct yt_doc *doc = mf_read_tree(path, err);
	if (!doc)
		return NULL;
	struct mf_scenario *s = mf_read_scenario(path, doc, false, err);
	yt_free(doc);
	return s;
}

struct mf_scenario *mf_scenario_load_text(const char *text, const char *path,
					  struct mf_error *err)
{
	struct yt_doc *doc = yt_load_extended_text(path, text, &merge_rules, err);
	if (!doc)
		return NULL;
	struct mf_scenario *s = mf_read_scenario(path, doc, false, err);
	yt_free(doc);
	return s;
}

uint64_t mf_scenario_text_hash(const struct mf_scenario *s)
{
	return mf_text_hash(mf_text_hash(MF_TEXT_HASH_START, s->resolved_text), s->source_text);
}

void mf_scenario_destroy(struct mf_scenario *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_monitors; i++)
		free(s->monitors[i].links);
	for (int i = 0; i < s->n_events; i++) {
		free(s->events[i].places);
		free(s->events[i].links);
	}
	/* Events and monitors being read when an error struck are not counted
	 * in n_*; their arrays are freed through the +1 slot convention. */
	if (s->monitors)
		free(s->monitors[s->n_monitors].links);
	if (s->events) {
		free(s->events[s->n_events].places);
		free(s->events[s->n_events].links);
	}
	free(s->monitors);
	free(s->events);
	free(s->sources);
	free(s->initial);
	free(s->expulsions);
	free(s->params.stay_days_by_country);
	free(s->description);
	free(s->resolved_text);
	free(s->source_text);
	free(s->free);
	mf_graph_destroy(s->graph);
	mf_flee_destroy(s->flee_owned);
	free(s);
}
