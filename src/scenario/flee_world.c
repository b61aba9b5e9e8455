/* Reading a scenario whose world is a FLEE instance (`flee: DIR`, which
 * implies `rules: flee`; scenario_private.h). The instance brings the
 * network, the spawning from its UNHCR data, its conflicts and closures;
 * the scenario may shorten the run, set the seed and the agent scale
 * (FLEE's hasten), override move_rules (`parameters: {flee.<key>: value}`)
 * and add closure and reopen events on the instance's routes (what-ifs). */
#define _DEFAULT_SOURCE
#include "scenario_private.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "migflow/flee.h"
#include "text.h"

/* The keys a FLEE world takes; network, destination, sources, initial,
 * monitoring, expulsions and policies are the Sahel rules'. */
static const char *const flee_keys[] = {
	"name", "description", "extends", "rules", "flee", "start", "days", "end", "report_from",
	"seed", "agent_scale", "parameters", "events", "calibrate", "targets",
};

/* `flee: DIR`: the instance, read at the scenario's agent scale (hasten)
 * when it gives one. The path is written back into the tree absolute. */
static int load_instance(struct reader *r, const struct yt_node *root)
{
	struct yt_node *node = (struct yt_node *)yt_get(root, "flee");
	char name[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	if (yt_string(r->doc, node, "flee", name, sizeof(name), r->err) < 0)
		return -1;
	mf_read_relative_path(node->file, name, path, sizeof(path));
	if (!realpath(path, real))
		return mf_read_fail(r, node, "flee", "cannot open the FLEE instance '%s': %s", path,
				    strerror(errno));
	long hasten = 0;
	const struct yt_node *scale = yt_get(root, "agent_scale");
	if (scale && yt_integer(r->doc, scale, "agent_scale", 1, 1000000, &hasten, r->err) < 0)
		return -1;
	struct mf_flee_load_options options = {.hasten = (int)hasten};
	struct mf_flee_instance *inst = mf_flee_load_with(real, &options, r->err);
	if (!inst)
		return -1;
	r->s->flee_owned = inst;
	if (mf_flee_world_fill(r->s, inst, r->err) != MF_OK)
		return -1;
	char *absolute = strdup(real);
	if (!absolute)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	free(node->text);
	node->text = absolute;
	node->plain = false;
	return 0;
}

/* start (the instance's StartDate if given), days or end (at most the
 * instance's run), report_from, seed. */
static int read_period(struct reader *r, const struct yt_node *root)
{
	struct mf_scenario *s = r->s;
	const struct mf_flee_instance *inst = s->flee;
	const struct yt_node *node;
	if (yt_string(r->doc, yt_get(root, "name"), "name", s->name, sizeof(s->name), r->err) < 0)
		return -1;
	if (mf_read_description(r, root) < 0)
		return -1;
	if ((node = yt_get(root, "start"))) {
		int start;
		if (yt_date(r->doc, node, "start", &start, r->err) < 0)
			return -1;
		if (start != inst->start)
			return mf_read_fail(r, node, "start", "expected the FLEE instance's StartDate "
					    "(sim_period.csv): its data are dated from it");
	}
	const struct yt_node *days = yt_get(root, "days"), *end = yt_get(root, "end");
	if (days && end)
		return mf_read_fail(r, end, "end", "give 'days' or 'end', not both");
	if (days || end) {
		long n;
		int last;
		if (days && yt_integer(r->doc, days, "days", 1, inst->run_days, &n, r->err) < 0)
			return -1;
		if (end) {
			if (yt_date(r->doc, end, "end", &last, r->err) < 0)
				return -1;
			if (last < s->start || last - s->start >= inst->run_days)
				return mf_read_fail(r, end, "end", "expected a date within the instance's %d days",
						    inst->run_days);
			n = last - s->start + 1;
		}
		s->days = (int)n;
	}
	return mf_read_report_and_seed(r, root);
}

/* parameters: {flee.<number of move_rules>: value} or {flee: {<key>: value}},
 * replacing simsetting.yml's (the second form is the one a calibrate block's
 * path can name: parameters.flee.<key>). */
/* One number of move_rules, key naming it as field, set in the instance. */
static int read_flee_setting(struct reader *r, const struct yt_node *key, const char *name,
			     const struct yt_node *value, const char *field, const char *expected)
{
	double min, max;
	double *setting = key->kind == YT_SCALAR
				  ? mf_flee_setting(&r->s->flee_owned->settings, name, &min, &max)
				  : NULL;
	if (!setting)
		return mf_read_fail(r, key, field, "%s", expected);
	return yt_number(r->doc, value, field, min, max, setting, r->err);
}

static int read_flee_parameters(struct reader *r, const struct yt_node *map)
{
	if (yt_expect(r->doc, map, YT_MAPPING, "parameters", r->err) < 0)
		return -1;
	for (int i = 0; i < map->n; i++) {
		const struct yt_node *key = map->items[2 * i], *value = map->items[2 * i + 1];
		const char *text = key->kind == YT_SCALAR ? key->text : "?";
		char field[128];
		/* flee: {<key>: value, ...}, the same as flee.<key>: value */
		if (strcmp(text, "flee") == 0) {
			if (yt_expect(r->doc, value, YT_MAPPING, "parameters.flee", r->err) < 0)
				return -1;
			for (int j = 0; j < value->n; j++) {
				const struct yt_node *name = value->items[2 * j];
				const char *name_text = name->kind == YT_SCALAR ? name->text : "?";
				FIELD(field, "parameters.flee.%s", name_text);
				if (read_flee_setting(r, name, name_text, value->items[2 * j + 1], field,
						      "expected a number of simsetting.yml's move_rules, such as "
						      "camp_movechance") < 0)
					return -1;
			}
			continue;
		}
		FIELD(field, "parameters.%s", text);
		if (read_flee_setting(r, key, strncmp(text, "flee.", 5) == 0 ? text + 5 : "", value, field,
				      "rules flee: expected flee.<a number of simsetting.yml's move_rules>, "
				      "such as flee.camp_movechance") < 0)
			return -1;
	}
	return 0;
}

/* Events: under rules flee, closures and reopenings of the instance's
 * routes change the world; the other kinds are the Sahel rules'. */
static int check_events(struct reader *r, const struct yt_node *list)
{
	for (int i = 0; i < r->s->n_events; i++) {
		enum mf_event_kind kind = r->s->events[i].kind;
		if (kind != MF_EVENT_CLOSURE && kind != MF_EVENT_REOPEN)
			return mf_read_fail(r, list, "events", "rules flee: events of kind '%s' do not "
					    "act on a FLEE world; closure and reopen do",
					    mf_event_kind_name(kind));
	}
	return 0;
}

int mf_read_flee_world(struct reader *r, const struct yt_node *root)
{
	if (yt_check_keys(r->doc, root, flee_keys, sizeof(flee_keys) / sizeof(*flee_keys), "",
			  r->err) < 0)
		return -1;
	if (!yt_get(root, "name"))
		return mf_read_fail(r, root, "name", "required key missing");
	if (load_instance(r, root) < 0 || read_period(r, root) < 0)
		return -1;
	const struct yt_node *node;
	if ((node = yt_get(root, "parameters")) && read_flee_parameters(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "calibrate")) && strcmp(node->file, r->doc->path) == 0 &&
	    mf_read_calibrate(r, node) < 0)
		return -1;
	if ((node = yt_get(root, "targets")))
		return mf_read_fail(r, node, "targets", "rules flee: a FLEE world is scored against its "
				    "UNHCR data (migflow validate, calibrate); targets are the Sahel rules'");
	if ((node = yt_get(root, "events")) &&
	    (mf_read_events(r, node, NULL) < 0 || check_events(r, node) < 0))
		return -1;
	return 0;
}
