/* Reading a scenario: places, links and countries by name, and the
 * selectors of events (scenario_private.h). Misspelt names get the closest
 * known name as a suggestion. */
#include "scenario_private.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"

int mf_read_place(struct reader *r, const struct yt_node *node, const char *field, int *place)
{
	char id[MF_ID_MAX];
	if (yt_string(r->doc, node, field, id, sizeof(id), r->err) < 0)
		return -1;
	const struct mf_graph *g = r->s->graph;
	*place = mf_graph_place_index(g, id);
	if (*place >= 0)
		return 0;
	const char *names[1024];
	int n = g->n_places < 1024 ? g->n_places : 1024;
	for (int i = 0; i < n; i++)
		names[i] = g->places[i].id;
	const char *hint = mf_text_suggest(id, names, n);
	return mf_read_fail(r, node, field, "unknown place '%s'%s%s%s", id, hint ? " (did you mean '" : "",
			    hint ? hint : "", hint ? "'?)" : "");
}

int mf_read_link(struct reader *r, const struct yt_node *node, const char *field, int *link)
{
	if (yt_expect(r->doc, node, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (node->n != 2)
		return mf_read_fail(r, node, field, "expected a link as [from, to]");
	int from, to;
	if (mf_read_place(r, node->items[0], field, &from) < 0 ||
	    mf_read_place(r, node->items[1], field, &to) < 0)
		return -1;
	*link = mf_graph_link_index(r->s->graph, from, to);
	if (*link < 0)
		return mf_read_fail(r, node, field, "no link %s -> %s in %s", r->s->graph->places[from].id,
				    r->s->graph->places[to].id, r->s->graph->links_path);
	return 0;
}

int mf_read_country(struct reader *r, const struct yt_node *node, const char *field, int *country)
{
	char name[MF_NAME_MAX];
	if (yt_string(r->doc, node, field, name, sizeof(name), r->err) < 0)
		return -1;
	*country = mf_graph_country_index(r->s->graph, name);
	if (*country >= 0)
		return 0;
	const char *names[256];
	int n = r->s->graph->n_countries < 256 ? r->s->graph->n_countries : 256;
	for (int c = 0; c < n; c++)
		names[c] = r->s->graph->countries[c];
	const char *hint = mf_text_suggest(name, names, n);
	return mf_read_fail(r, node, field, "unknown country '%s'%s%s%s", name, hint ? " (did you mean '" : "",
			    hint ? hint : "", hint ? "'?)" : "");
}

int mf_read_goal_set(struct reader *r, const struct yt_node *node, const char *field,
		     struct mf_goal_set *set)
{
	if (yt_expect(r->doc, node, YT_MAPPING, field, r->err) < 0)
		return -1;
	if (node->n == 0 || node->n > MF_GOALS_MAX)
		return mf_read_fail(r, node, field, "expected 1 to %d places with weights", MF_GOALS_MAX);
	set->n = node->n;
	for (int i = 0; i < node->n; i++) {
		char sub[96];
		if (node->items[2 * i]->kind != YT_SCALAR)
			return mf_read_fail(r, node->items[2 * i], field, "expected a place id as key");
		FIELD(sub, "%s.%s", field, node->items[2 * i]->text);
		if (mf_read_place(r, node->items[2 * i], field, &set->place[i]) < 0 ||
		    yt_number(r->doc, node->items[2 * i + 1], sub, 0, 1e12, &set->weight[i], r->err) < 0)
			return -1;
		if (set->weight[i] <= 0)
			return mf_read_fail(r, node->items[2 * i + 1], sub, "expected a weight above 0");
		for (int j = 0; j < i; j++)
			if (set->place[j] == set->place[i])
				return mf_read_fail(r, node->items[2 * i], field, "place given twice");
	}
	return 0;
}

int mf_read_where(struct reader *r, const struct yt_node *node, const char *field, struct mf_event *e)
{
	char name[MF_NAME_MAX];
	if (yt_string(r->doc, node, field, name, sizeof(name), r->err) < 0)
		return -1;
	const struct mf_graph *g = r->s->graph;
	e->places = malloc((size_t)g->n_places * sizeof(int));
	if (!e->places)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	const char *what = "place";
	for (int p = 0; p < g->n_places; p++) {
		if (strcmp(g->places[p].id, name) == 0)
			e->places[e->n_places++] = p;
		else if (strcmp(g->places[p].country, name) == 0)
			e->places[e->n_places++] = p, what = "country";
		else if (strcmp(g->places[p].region, name) == 0)
			e->places[e->n_places++] = p, what = "region";
	}
	if (e->n_places == 0) {
		const char *names[2048];
		int n = 0;
		for (int p = 0; p < g->n_places && n < 2040; p++) {
			names[n++] = g->places[p].id;
			names[n++] = g->places[p].country;
		}
		const char *hint = mf_text_suggest(name, names, n);
		return mf_read_fail(r, node, field, "'%s' is no place id, region or country of the network%s%s%s",
				    name, hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	}
	snprintf(e->target, sizeof(e->target), "%s %s", what, name);
	return 0;
}

/* The link selectors, in the order their errors name them. */
enum selector { SELECT_LINK, SELECT_LINKS, SELECT_PLACE, SELECT_BORDER, SELECT_COUNTRY, SELECTOR_COUNT };

static const char *const selector_names[SELECTOR_COUNT] = {"link", "links", "place", "border", "country"};

/* Each selector reads its value, chosen, into e->links (room for every
 * link of the network) and says what it chose in e->target. */

static int select_link(struct reader *r, const struct yt_node *chosen, const char *field, struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	if (mf_read_link(r, chosen, field, &e->links[0]) < 0)
		return -1;
	e->n_links = 1;
	snprintf(e->target, sizeof(e->target), "link %s -> %s", g->places[g->links[e->links[0]].from].id,
		 g->places[g->links[e->links[0]].to].id);
	return 0;
}

static int select_links(struct reader *r, const struct yt_node *chosen, const char *field, struct mf_event *e)
{
	if (yt_expect(r->doc, chosen, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (chosen->n == 0 || chosen->n > r->s->graph->n_links)
		return mf_read_fail(r, chosen, field, "expected a list of [from, to] links");
	for (int k = 0; k < chosen->n; k++)
		if (mf_read_link(r, chosen->items[k], field, &e->links[e->n_links++]) < 0)
			return -1;
	snprintf(e->target, sizeof(e->target), "%d links", e->n_links);
	return 0;
}

static int select_place(struct reader *r, const struct yt_node *chosen, const char *field, struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	int place;
	if (mf_read_place(r, chosen, field, &place) < 0)
		return -1;
	for (int l = 0; l < g->n_links; l++)
		if (g->links[l].from == place || g->links[l].to == place)
			e->links[e->n_links++] = l;
	snprintf(e->target, sizeof(e->target), "links of %s", g->places[place].id);
	return 0;
}

static int select_border(struct reader *r, const struct yt_node *chosen, const char *field, struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	if (yt_expect(r->doc, chosen, YT_SEQUENCE, field, r->err) < 0)
		return -1;
	if (chosen->n != 2)
		return mf_read_fail(r, chosen, field, "expected a border as [country, country]");
	int a, b;
	if (mf_read_country(r, chosen->items[0], field, &a) < 0 ||
	    mf_read_country(r, chosen->items[1], field, &b) < 0)
		return -1;
	for (int l = 0; l < g->n_links; l++) {
		int from = g->places[g->links[l].from].country_index;
		int to = g->places[g->links[l].to].country_index;
		if ((from == a && to == b) || (from == b && to == a))
			e->links[e->n_links++] = l;
	}
	snprintf(e->target, sizeof(e->target), "border %s | %s", g->countries[a], g->countries[b]);
	return 0;
}

static int select_country(struct reader *r, const struct yt_node *chosen, const char *field, struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	int country;
	if (mf_read_country(r, chosen, field, &country) < 0)
		return -1;
	for (int l = 0; l < g->n_links; l++)
		if (g->places[g->links[l].from].country_index == country ||
		    g->places[g->links[l].to].country_index == country)
			e->links[e->n_links++] = l;
	snprintf(e->target, sizeof(e->target), "links in %s", g->countries[country]);
	return 0;
}

static int (*const selectors[SELECTOR_COUNT])(struct reader *, const struct yt_node *, const char *,
					       struct mf_event *) = {
	[SELECT_LINK] = select_link,
	[SELECT_LINKS] = select_links,
	[SELECT_PLACE] = select_place,
	[SELECT_BORDER] = select_border,
	[SELECT_COUNTRY] = select_country,
};

int mf_read_event_links(struct reader *r, const struct yt_node *m, const char *where,
			struct mf_event *e)
{
	const struct mf_graph *g = r->s->graph;
	const struct yt_node *chosen = NULL;
	int which = -1;
	char field[96];
	for (int k = 0; k < SELECTOR_COUNT; k++) {
		const struct yt_node *node = yt_get(m, selector_names[k]);
		if (!node)
			continue;
		if (chosen) {
			FIELD(field, "%s.%s", where, selector_names[k]);
			return mf_read_fail(r, node, field, "give only one of link, links, place, border or country");
		}
		chosen = node;
		which = k;
	}
	if (!chosen)
		return mf_read_fail(r, m, where, "say which links: one of link ([from, to]), links, place, border ([country, country]) or country");
	FIELD(field, "%s.%s", where, selector_names[which]);
	e->links = malloc((size_t)g->n_links * sizeof(int));
	if (!e->links)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	int mode = -1;
	const struct yt_node *mode_node = yt_get(m, "mode");
	if (mode_node) {
		char mode_field[96];
		FIELD(mode_field, "%s.mode", where);
		if (yt_choice(r->doc, mode_node, mode_field, mf_link_mode_names, MF_MODE_COUNT, &mode, r->err) < 0)
			return -1;
	}
	if (selectors[which](r, chosen, field, e) < 0)
		return -1;
	if (mode >= 0) {
		int kept = 0;
		for (int k = 0; k < e->n_links; k++)
			if ((int)g->links[e->links[k]].mode == mode)
				e->links[kept++] = e->links[k];
		e->n_links = kept;
		size_t used = strlen(e->target);
		snprintf(e->target + used, sizeof(e->target) - used, " (%s)", mf_link_mode_name((enum mf_link_mode)mode));
	}
	if (e->n_links == 0)
		return mf_read_fail(r, chosen, field, "no link of the network matches");
	return 0;
}
