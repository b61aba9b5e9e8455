/* Reading a scenario: `policies:`, named switches whose states list
 * effects, and the `policy` events that switch them (scenario_private.h).
 * An effect is an event body without a date; switching a policy adds its
 * effects as events on the switch's date. */
#include "scenario_private.h"

#include <stdlib.h>

#include "text.h"

/* One effect of a policy state, applied on day and attributed to the
 * switching event at. */
static int read_effect(struct reader *r, const struct yt_node *effect, const char *where, int day,
		       const struct yt_node *at, struct mf_event *e)
{
	char field[96];
	if (yt_expect(r->doc, effect, YT_MAPPING, where, r->err) < 0)
		return -1;
	if (yt_get(effect, "date"))
		return mf_read_fail(r, yt_get(effect, "date"), where,
				    "a policy's effects take the date of the switch: remove 'date'");
	int kind;
	FIELD(field, "%s.kind", where);
	if (!yt_get(effect, "kind"))
		return mf_read_fail(r, effect, field, "required key missing");
	if (yt_choice(r->doc, yt_get(effect, "kind"), field, mf_event_kind_names, MF_EVENT_KIND_COUNT,
		      &kind, r->err) < 0)
		return -1;
	e->kind = (enum mf_event_kind)kind;
	e->day = day;
	mf_text_copy(e->file, sizeof(e->file), at->file);
	e->line = at->line;
	e->column = at->column;
	return mf_read_event_body(r, effect, where, e);
}

/* The effects of one state, read into a scratch event each. */
static int check_state(struct reader *r, const struct yt_node *effects, const char *field)
{
	if (yt_expect(r->doc, effects, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	for (int j = 0; j < effects->n; j++) {
		char where[160];
		FIELD(where, "%s[%d]", field, j);
		struct mf_event scratch = {0};
		int status = read_effect(r, effects->items[j], where, 0, effects->items[j], &scratch);
		free(scratch.places);
		free(scratch.links);
		if (status < 0)
			return -1;
	}
	return 0;
}

int mf_read_check_policies(struct reader *r, const struct yt_node *policies)
{
	if (yt_expect(r->doc, policies, YT_MAPPING, "policies", r->err) < 0)
		return -1;
	for (int i = 0; i < policies->n; i++) {
		const struct yt_node *key = policies->items[2 * i], *states = policies->items[2 * i + 1];
		if (key->kind != YT_SCALAR)
			return mf_read_fail(r, key, "policies", "expected a policy name as key");
		char field[96];
		FIELD(field, "policies.%s", key->text);
		if (yt_expect(r->doc, states, YT_MAPPING, field, r->err) < 0)
			return -1;
		for (int k = 0; k < states->n; k++) {
			const struct yt_node *state = states->items[2 * k];
			if (state->kind != YT_SCALAR)
				return mf_read_fail(r, state, field, "expected a state name (enforced, repealed ...) as key");
			char sub[128];
			FIELD(sub, "%s.%s", field, state->text);
			if (check_state(r, states->items[2 * k + 1], sub) < 0)
				return -1;
		}
	}
	return 0;
}

/* The value of key name in map (a policy, or a state of one). When there is
 * none, the error at node says missing, with a suggestion among the first
 * max_names keys of map. */
static const struct yt_node *find_named(struct reader *r, const struct yt_node *map,
					const struct yt_node *node, const char *field, const char *name,
					int max_names, const char *missing)
{
	const struct yt_node *found = yt_get(map, name);
	if (found)
		return found;
	const char *names[64];
	int n = 0;
	for (int i = 0; map && i < map->n && n < max_names; i++)
		names[n++] = map->items[2 * i]->text;
	const char *hint = mf_text_suggest(name, names, n);
	mf_read_fail(r, node, field, "%s%s%s%s", missing, hint ? " (did you mean '" : "", hint ? hint : "",
		     hint ? "'?)" : "");
	return NULL;
}

int mf_read_policy(struct reader *r, const struct yt_node *m, const char *where, int day,
		   const struct yt_node *policies, int *capacity)
{
	static const char *const keys[] = {"date", "kind", "name", "state"};
	char field[96], name[MF_NAME_MAX], state[MF_NAME_MAX], missing[200];
	if (yt_check_keys(r->doc, m, keys, 4, where, r->err) < 0)
		return -1;
	if (mf_read_require_keys(r, m, where, keys + 2, 2) < 0)
		return -1;
	FIELD(field, "%s.name", where);
	const struct yt_node *name_node = yt_get(m, "name");
	if (yt_string(r->doc, name_node, field, name, sizeof(name), r->err) < 0)
		return -1;
	FIELD(missing, "no policy '%s' under 'policies'", name);
	const struct yt_node *policy = find_named(r, policies, name_node, field, name, 64, missing);
	if (!policy)
		return -1;
	FIELD(field, "%s.state", where);
	const struct yt_node *state_node = yt_get(m, "state");
	if (yt_string(r->doc, state_node, field, state, sizeof(state), r->err) < 0)
		return -1;
	FIELD(missing, "policy '%s' has no state '%s'", name, state);
	const struct yt_node *effects = find_named(r, policy, state_node, field, state, 16, missing);
	if (!effects)
		return -1;
	for (int k = 0; k < effects->n; k++) {
		char effect_where[96];
		FIELD(effect_where, "policies.%s.%s[%d]", name, state, k);
		struct mf_event *e;
		if (mf_read_add_event(r, capacity, &e) < 0 ||
		    read_effect(r, effects->items[k], effect_where, day, m, e) < 0)
			return -1;
		snprintf(e->policy, sizeof(e->policy), "%s: %s", name, state);
		r->s->n_events++;
	}
	return 0;
}
