#include "migflow/indicators.h"

#include <stdlib.h>
#include <string.h>

/* --- the value of each indicator on one day ---------------------------------------- */

static int64_t monitor_passes(const struct mf_indicator_network *net,
			      const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int m = 0; m < net->n_monitors; m++)
		for (int d = 0; d < MF_DIR_COUNT; d++)
			if (f->direction < 0 || f->direction == d)
				sum += day->monitor_passes[m * MF_DIR_COUNT + d];
	return sum;
}

static int64_t arrivals(const struct mf_indicator_network *net,
			const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	if (f->place >= 0)
		return day->arrivals[f->place];
	int64_t sum = 0;
	for (int p = 0; p < net->n_places; p++)
		sum += day->arrivals[p];
	return sum;
}

static int64_t destination_arrivals(const struct mf_indicator_network *net,
				    const struct mf_indicator_filter *f,
				    const struct mf_day_counts *day)
{
	return day->destination_arrivals;
}

static bool is_sea_link(const struct mf_indicator_network *net, int l, int from_country,
			int to_country)
{
	return net->link_mode[l] == MF_MODE_SEA &&
	       (from_country < 0 || net->place_country[net->link_from[l]] == from_country) &&
	       (to_country < 0 || net->place_country[net->link_to[l]] == to_country);
}

static int64_t sea_arrivals(const struct mf_indicator_network *net,
			    const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		if (is_sea_link(net, l, f->from_country, f->to_country))
			sum += day->link_arrivals[l];
	return sum;
}

static int64_t deaths(const struct mf_indicator_network *net,
		      const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		if (f->mode < 0 || net->link_mode[l] == f->mode)
			sum += day->deaths[l];
	return sum;
}

static int64_t sea_deaths(const struct mf_indicator_network *net,
			  const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		if (is_sea_link(net, l, f->from_country, -1))
			sum += day->deaths[l];
	return sum;
}

static int64_t land_deaths(const struct mf_indicator_network *net,
			   const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		if (net->link_mode[l] != MF_MODE_SEA &&
		    (f->country < 0 || net->place_country[net->link_from[l]] == f->country ||
		     net->place_country[net->link_to[l]] == f->country))
			sum += day->deaths[l];
	return sum;
}

/* Only sea links intercept, so without a country the day's total is the sum
 * over the sea links; it is also what a run file keeps. */
static int64_t interceptions(const struct mf_indicator_network *net,
			     const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	if (f->from_country < 0)
		return day->interceptions;
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		if (is_sea_link(net, l, f->from_country, -1))
			sum += day->link_interceptions[l];
	return sum;
}

static int64_t expulsions(const struct mf_indicator_network *net,
			  const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	return day->expulsions;
}

static int64_t spawned(const struct mf_indicator_network *net,
		       const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int p = 0; p < net->n_places; p++)
		sum += day->spawned[p];
	return sum;
}

static int64_t returns(const struct mf_indicator_network *net,
		       const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	return day->returns;
}

static int64_t present(const struct mf_indicator_network *net,
		       const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int p = 0; p < net->n_places; p++) {
		if (f->country >= 0 && net->place_country[p] != f->country)
			continue;
		for (int i = 0; i < MF_INTENT_COUNT; i++)
			if (f->intent < 0 || f->intent == i)
				sum += day->occupancy[p * MF_INTENT_COUNT + i];
	}
	return sum;
}

static int64_t in_transit(const struct mf_indicator_network *net,
			  const struct mf_indicator_filter *f, const struct mf_day_counts *day)
{
	int64_t sum = 0;
	for (int l = 0; l < net->n_links; l++)
		sum += day->in_transit[l];
	return sum;
}

/* --- the table ---------------------------------------------------------------------- */

#define FILTER(key) (1u << MF_FILTER_##key)
#define PER_DAY "persons per day"

/* Mirrored in python/migflow/series.py (INDICATORS): tests/test_indicators.py checks
 * that both say the same and compute the same. */
static const struct mf_indicator table[MF_IND_COUNT] = {
	[MF_IND_MONITOR_PASSES] = {
		.name = "monitor_passes", .long_name = "passes at the monitoring points",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(DIRECTION),
		.definition = "persons arriving over the links of a monitoring point, by direction "
			      "relative to its country (inbound, outbound, internal), summed over "
			      "the points",
		.day_value = monitor_passes,
	},
	[MF_IND_ARRIVALS] = {
		.name = "arrivals", .long_name = "arrivals at places",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(PLACE),
		.definition = "persons arriving over a link at the place (at any place without one)",
		.day_value = arrivals,
	},
	[MF_IND_DESTINATION_ARRIVALS] = {
		.name = "destination_arrivals", .long_name = "arrivals at the destinations",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW,
		.definition = "persons reaching a place of kind destination, where they leave the model",
		.day_value = destination_arrivals,
	},
	[MF_IND_SEA_ARRIVALS] = {
		.name = "sea_arrivals", .long_name = "arrivals over sea links",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW,
		.filters = FILTER(FROM_COUNTRY) | FILTER(TO_COUNTRY),
		.definition = "persons reaching the end of a sea link, by the country of its start "
			      "and of its end (run files do not keep it)",
		.day_value = sea_arrivals,
	},
	[MF_IND_DEATHS] = {
		.name = "deaths", .long_name = "deaths on links",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(MODE),
		.definition = "persons dying on a link, on the way or in a sea crossing, by the "
			      "link's mode",
		.day_value = deaths,
	},
	[MF_IND_SEA_DEATHS] = {
		.name = "sea_deaths", .long_name = "deaths at sea",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(FROM_COUNTRY),
		.definition = "deaths on sea links, by the country of the link's start",
		.day_value = sea_deaths,
	},
	[MF_IND_LAND_DEATHS] = {
		.name = "land_deaths", .long_name = "deaths on land",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(COUNTRY),
		.definition = "deaths on road and desert links, by a country at either end of the link",
		.day_value = land_deaths,
	},
	[MF_IND_INTERCEPTIONS] = {
		.name = "interceptions", .long_name = "interceptions at sea",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW, .filters = FILTER(FROM_COUNTRY),
		.definition = "persons intercepted on a sea link and returned to the coast, by the "
			      "country of the link's start (run files keep only the total)",
		.day_value = interceptions,
	},
	[MF_IND_EXPULSIONS] = {
		.name = "expulsions", .long_name = "expulsions",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW,
		.definition = "persons moved by expulsion (Algeria to Assamaka)",
		.day_value = expulsions,
	},
	[MF_IND_SPAWNED] = {
		.name = "spawned", .long_name = "new persons",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW,
		.definition = "persons entering the model at their place of origin (not the initial "
			      "population)",
		.day_value = spawned,
	},
	[MF_IND_RETURNS] = {
		.name = "returns", .long_name = "returns home",
		.units = PER_DAY, .kind = MF_INDICATOR_FLOW,
		.definition = "persons who reached home and left the model",
		.day_value = returns,
	},
	[MF_IND_PRESENT] = {
		.name = "present", .long_name = "persons present",
		.units = "persons", .kind = MF_INDICATOR_STOCK,
		.filters = FILTER(COUNTRY) | FILTER(INTENT),
		.definition = "persons at places at the end of the day, by the places' country and "
			      "the persons' intent",
		.day_value = present,
	},
	[MF_IND_IN_TRANSIT] = {
		.name = "in_transit", .long_name = "persons travelling",
		.units = "persons", .kind = MF_INDICATOR_STOCK,
		.definition = "persons on links at the end of the day",
		.day_value = in_transit,
	},
};

static const char *const filter_names[MF_FILTER_COUNT] = {
	[MF_FILTER_DIRECTION] = "direction", [MF_FILTER_PLACE] = "place",
	[MF_FILTER_COUNTRY] = "country", [MF_FILTER_FROM_COUNTRY] = "from_country",
	[MF_FILTER_TO_COUNTRY] = "to_country", [MF_FILTER_INTENT] = "intent",
	[MF_FILTER_MODE] = "mode",
};

const struct mf_indicator *mf_indicator_get(enum mf_indicator_id id)
{
	return &table[id];
}

const struct mf_indicator *mf_indicator_find(const char *name)
{
	for (int i = 0; i < MF_IND_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

bool mf_indicator_takes(const struct mf_indicator *indicator, enum mf_indicator_filter_key key)
{
	return (indicator->filters >> key) & 1u;
}

const char *mf_indicator_kind_name(enum mf_indicator_kind kind)
{
	return kind == MF_INDICATOR_STOCK ? "stock" : "flow";
}

const char *mf_indicator_filter_name(enum mf_indicator_filter_key key)
{
	return (unsigned)key < MF_FILTER_COUNT ? filter_names[key] : "?";
}

int64_t mf_indicator_value(const struct mf_indicator *indicator,
			   const struct mf_indicator_filter *filter,
			   const struct mf_indicator_network *network,
			   const struct mf_day_counts *day)
{
	return indicator->day_value(network, filter, day);
}

void mf_indicator_query_add_day(const struct mf_indicator_query *query,
				const struct mf_indicator_network *network,
				const struct mf_day_counts *day, double *value)
{
	bool counted = query->indicator->kind == MF_INDICATOR_STOCK
		? day->day == query->last_day
		: day->day >= query->first_day && day->day <= query->last_day;
	if (counted)
		*value += (double)mf_indicator_value(query->indicator, &query->filter, network, day);
}

/* --- the network of a scenario --------------------------------------------------------- */

/* One allocation: the network, then its tables. */
struct owned_network {
	struct mf_indicator_network network;
	int tables[]; /* place_country, link_from, link_to, link_mode */
};

struct mf_indicator_network *mf_indicator_network_create(const struct mf_scenario *scenario,
							 struct mf_error *err)
{
	const struct mf_graph *g = scenario->graph;
	size_t n = (size_t)g->n_places + 3 * (size_t)g->n_links;
	struct owned_network *owned = calloc(1, sizeof(*owned) + n * sizeof(int));
	if (!owned) {
		mf_error_set(err, MF_ERR_NOMEM, "out of memory");
		return NULL;
	}
	int *place_country = owned->tables, *link_from = place_country + g->n_places;
	int *link_to = link_from + g->n_links, *link_mode = link_to + g->n_links;
	for (int p = 0; p < g->n_places; p++)
		place_country[p] = g->places[p].country_index;
	for (int l = 0; l < g->n_links; l++) {
		link_from[l] = g->links[l].from;
		link_to[l] = g->links[l].to;
		link_mode[l] = (int)g->links[l].mode;
	}
	owned->network = (struct mf_indicator_network){
		.n_places = g->n_places, .n_links = g->n_links, .n_monitors = scenario->n_monitors,
		.place_country = place_country, .link_from = link_from, .link_to = link_to,
		.link_mode = link_mode,
	};
	return &owned->network;
}

void mf_indicator_network_destroy(struct mf_indicator_network *network)
{
	free(network); /* the first member of its struct owned_network */
}
