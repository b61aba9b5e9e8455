/* Indicators: the named quantities reported on a run (monitoring passes by
 * direction, arrivals, deaths, interceptions, expulsions, persons present in a
 * country ...), defined once. Each one is computed for a day from that day's
 * counts (struct mf_day_counts, as the simulation gives them or as read back
 * from a run file) and the network they refer to, and may be narrowed by
 * filters (a direction, a country, an intent ...). Over a window of days a
 * flow is summed and a stock taken on the window's last day.
 *
 * The calibration targets, the end-of-run summary and `migflow compare` use
 * this table; python/migflow/series.py (INDICATORS) mirrors it, and
 * `migflow indicators --json` prints it for the test that checks they agree. */
#ifndef MIGFLOW_INDICATORS_H
#define MIGFLOW_INDICATORS_H

#include <stdbool.h>
#include <stdint.h>
#include "migflow/error.h"
#include "migflow/scenario.h"
#include "migflow/sim.h"

enum mf_indicator_id {
	MF_IND_MONITOR_PASSES,
	MF_IND_ARRIVALS,
	MF_IND_DESTINATION_ARRIVALS,
	MF_IND_SEA_ARRIVALS,
	MF_IND_DEATHS,
	MF_IND_SEA_DEATHS,
	MF_IND_LAND_DEATHS,
	MF_IND_INTERCEPTIONS,
	MF_IND_EXPULSIONS,
	MF_IND_SPAWNED,
	MF_IND_RETURNS,
	MF_IND_PRESENT,
	MF_IND_IN_TRANSIT,
	MF_IND_COUNT
};

enum mf_indicator_kind {
	MF_INDICATOR_FLOW,  /* persons per day: summed over a window */
	MF_INDICATOR_STOCK, /* persons at the end of a day: taken on the window's last day */
};

/* What an indicator can be narrowed to; mf_indicator.filters has bit
 * 1 << key set for each key it takes. */
enum mf_indicator_filter_key {
	MF_FILTER_DIRECTION,    /* of monitoring passes */
	MF_FILTER_PLACE,
	MF_FILTER_COUNTRY,      /* of places, or of either end of a link */
	MF_FILTER_FROM_COUNTRY, /* of a link's start */
	MF_FILTER_TO_COUNTRY,   /* of a link's end */
	MF_FILTER_INTENT,       /* of persons present */
	MF_FILTER_MODE,         /* of links */
	MF_FILTER_COUNT
};

/* The values of the filters; -1 = no filter (all). */
struct mf_indicator_filter {
	int direction;    /* enum mf_direction */
	int place;        /* place index */
	int country;      /* index into the network's countries */
	int from_country;
	int to_country;
	int intent;       /* enum mf_intent */
	int mode;         /* enum mf_link_mode */
};

#define MF_FILTER_ALL ((struct mf_indicator_filter){.direction = -1, .place = -1, \
	.country = -1, .from_country = -1, .to_country = -1, .intent = -1, .mode = -1})

/* The network the counts refer to. A table an indicator does not read may be
 * NULL: place_country is read by present with a country filter, the link
 * tables by the sea and land indicators and by deaths with a mode. */
struct mf_indicator_network {
	int n_places, n_links, n_monitors;
	const int *place_country; /* [place] country index */
	const int *link_from;     /* [link] place index */
	const int *link_to;       /* [link] place index */
	const int *link_mode;     /* [link] enum mf_link_mode */
};

struct mf_indicator {
	const char *name;         /* "monitor_passes": in targets files, JSON, Python */
	const char *long_name;
	const char *units;        /* of the daily value: "persons per day" or "persons" */
	enum mf_indicator_kind kind;
	unsigned filters;         /* bits 1 << enum mf_indicator_filter_key */
	const char *definition;   /* one line */
	/* The value on one day, in persons. */
	int64_t (*day_value)(const struct mf_indicator_network *network,
			     const struct mf_indicator_filter *filter,
			     const struct mf_day_counts *day);
};

/* The indicator with this id (id < MF_IND_COUNT). */
const struct mf_indicator *mf_indicator_get(enum mf_indicator_id id);

/* The indicator named name, or NULL. */
const struct mf_indicator *mf_indicator_find(const char *name);

/* Whether indicator takes the filter key. */
bool mf_indicator_takes(const struct mf_indicator *indicator, enum mf_indicator_filter_key key);

/* "flow" or "stock". */
const char *mf_indicator_kind_name(enum mf_indicator_kind kind);

/* The key's name in targets files and listings ("direction", "from_country" ...). */
const char *mf_indicator_filter_name(enum mf_indicator_filter_key key);

/* The value of indicator on one day, narrowed by filter (values it does not
 * take must be -1). In persons. Arrays of day that the indicator does not
 * read may be NULL (a day read back from a run file has no per-link arrivals
 * or interceptions). */
int64_t mf_indicator_value(const struct mf_indicator *indicator,
			   const struct mf_indicator_filter *filter,
			   const struct mf_indicator_network *network,
			   const struct mf_day_counts *day);

/* An indicator narrowed by a filter, over the days first_day..last_day
 * (day indices, inclusive). */
struct mf_indicator_query {
	const struct mf_indicator *indicator;
	struct mf_indicator_filter filter;
	int first_day, last_day;
};

/* Adds what day contributes to *value (which starts at 0): a flow's value of
 * any day in the window, a stock's value on the last day. */
void mf_indicator_query_add_day(const struct mf_indicator_query *query,
				const struct mf_indicator_network *network,
				const struct mf_day_counts *day, double *value);

/* The network of a scenario's graph and monitoring points, with its tables
 * (country indices are the graph's). NULL and err when out of memory. Caller
 * frees with mf_indicator_network_destroy. */
struct mf_indicator_network *mf_indicator_network_create(const struct mf_scenario *scenario,
							 struct mf_error *err);

/* Frees a network made by mf_indicator_network_create. Accepts NULL. */
void mf_indicator_network_destroy(struct mf_indicator_network *network);

#endif
