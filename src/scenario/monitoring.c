/* Reading a scenario: the flow monitoring points, `monitoring:`
 * (scenario_private.h). */
#include "scenario_private.h"

#include <stdlib.h>
#include <string.h>

/* The links a point counts arrivals over: every link into its `place`, or
 * its `links`. Returns the place whose country directions refer to by
 * default, or -1 on error. */
static int read_counted_links(struct reader *r, const struct yt_node *m, const char *where,
			      struct mf_monitor *mon)
{
	const struct mf_graph *g = r->s->graph;
	const struct yt_node *place = yt_get(m, "place"), *links = yt_get(m, "links");
	char field[96];
	if (!place == !links)
		return mf_read_fail(r, m, where, "give exactly one of 'place' or 'links'");
	int at = -1;
	mon->place = -1;
	if (place) {
		FIELD(field, "%s.place", where);
		if (mf_read_place(r, place, field, &at) < 0)
			return -1;
		mon->place = at;
		mon->links = malloc((size_t)g->n_links * sizeof(int));
		if (!mon->links)
			return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
		for (int l = 0; l < g->n_links; l++)
			if (g->links[l].to == at)
				mon->links[mon->n_links++] = l;
		return at;
	}
	FIELD(field, "%s.links", where);
	if (yt_expect(r->doc, links, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (links->n == 0)
		return mf_read_fail(r, links, field, "expected at least one link");
	mon->links = malloc((size_t)links->n * sizeof(int));
	if (!mon->links)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int k = 0; k < links->n; k++) {
		if (mf_read_link(r, links->items[k], field, &mon->links[k]) < 0)
			return -1;
		mon->n_links++;
	}
	return g->links[mon->links[0]].to;
}

static int read_monitor(struct reader *r, const struct yt_node *m, int i)
{
	static const char *const keys[] = {"name", "place", "links", "directions", "country"};
	struct mf_scenario *s = r->s;
	struct mf_monitor *mon = &s->monitors[i];
	char where[48], field[96];
	FIELD(where, "monitoring[%d]", i);
	if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
	    yt_check_keys(r->doc, m, keys, 5, where, r->err) < 0)
		return -1;
	FIELD(field, "%s.name", where);
	if (!yt_get(m, "name"))
		return mf_read_fail(r, m, field, "required key missing");
	if (yt_string(r->doc, yt_get(m, "name"), field, mon->name, sizeof(mon->name), r->err) < 0)
		return -1;
	for (int j = 0; j < i; j++)
		if (strcmp(s->monitors[j].name, mon->name) == 0)
			return mf_read_fail(r, yt_get(m, "name"), field, "monitoring point name used twice");
	int at = read_counted_links(r, m, where, mon);
	if (at < 0)
		return -1;
	mon->country = s->graph->places[at].country_index;
	const struct yt_node *country = yt_get(m, "country");
	if (country) {
		char name[MF_NAME_MAX];
		FIELD(field, "%s.country", where);
		if (yt_string(r->doc, country, field, name, sizeof(name), r->err) < 0)
			return -1;
		mon->country = mf_graph_country_index(s->graph, name);
		if (mon->country < 0)
			return mf_read_fail(r, country, field, "unknown country '%s'", name);
	}
	const struct yt_node *directions = yt_get(m, "directions");
	for (int d = 0; d < MF_DIR_COUNT; d++)
		mon->count_direction[d] = directions == NULL;
	if (directions) {
		FIELD(field, "%s.directions", where);
		if (yt_expect(r->doc, directions, YT_SEQUENCE, field, r->err) < 0)
			return -1;
		for (int k = 0; k < directions->n; k++) {
			int d;
			if (yt_choice(r->doc, directions->items[k], field, mf_direction_names, MF_DIR_COUNT, &d, r->err) < 0)
				return -1;
			mon->count_direction[d] = true;
		}
	}
	return 0;
}

int mf_read_monitoring(struct reader *r, const struct yt_node *list)
{
	struct mf_scenario *s = r->s;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "monitoring", r->err) < 0)
		return -1;
	s->monitors = calloc((size_t)list->n + 1, sizeof(*s->monitors));
	if (!s->monitors)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		if (read_monitor(r, list->items[i], i) < 0)
			return -1;
		s->n_monitors++;
	}
	/* A link belongs to at most one monitoring point. */
	for (int a = 0; a < s->n_monitors; a++)
		for (int b = a + 1; b < s->n_monitors; b++)
			for (int i = 0; i < s->monitors[a].n_links; i++)
				for (int j = 0; j < s->monitors[b].n_links; j++)
					if (s->monitors[a].links[i] == s->monitors[b].links[j])
						return mf_read_fail(r, list->items[b], "monitoring",
								    "monitoring points '%s' and '%s' share a link",
								    s->monitors[a].name, s->monitors[b].name);
	return 0;
}
