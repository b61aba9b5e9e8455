/* The world's network: places (nodes) and directed links (edges), loaded from
 * two CSV files whose columns are found by header name.
 *
 * places.csv  id,name,country,region,lat,lon,kind,population,capacity,security,source
 * links.csv   from,to,mode,distance_km,travel_days,fare_usd,death_per_day,
 *             death_per_crossing,interception,intercept_to,capacity_per_day,
 *             departs,both_ways,source
 *
 * Lines starting with '#' are comments; fields may be double-quoted. See
 * scenarios/network/README.md for the meaning, unit and range of each column.
 * This is static data: what scenarios change over time lives in the
 * simulation's world state, not here. */
#ifndef MIGFLOW_GRAPH_H
#define MIGFLOW_GRAPH_H

#include <stdbool.h>
#include "migflow/error.h"
#include "migflow/model.h"

#define MF_ID_MAX 32
#define MF_NAME_MAX 64

struct mf_place {
	char id[MF_ID_MAX];       /* short unique id, e.g. "agadez" */
	char name[MF_NAME_MAX];   /* display name, e.g. "Agadez" */
	char country[MF_NAME_MAX];
	char region[MF_NAME_MAX];
	double lat, lon;          /* decimal degrees, WGS84 */
	enum mf_place_kind kind;
	double population;        /* persons living there (displacement base) */
	double capacity;          /* persons; 0 = unlimited */
	double security;          /* initial level in [0, 1], 1 = secure */
	int country_index;        /* index into mf_graph.countries */
	int line;                 /* line in places.csv, for messages */
};

struct mf_link {
	int from, to;             /* place indices */
	enum mf_link_mode mode;
	double distance_km;
	int travel_days;          /* >= 1, or 0: derived from distance and mode speed */
	double fare_usd;          /* per person */
	double death_per_day;     /* probability per day on the link */
	double death_per_crossing;/* probability per traversal (sea) */
	double interception;      /* probability per traversal (sea) */
	int intercept_to;         /* place where the intercepted land; -1 = from */
	double capacity_per_day;  /* persons per day; 0 = unlimited */
	int departs_weekday;      /* -1 every day, else 0 = Monday ... 6 = Sunday */
	int line;                 /* line in links.csv, for messages */
};

struct mf_graph {
	int n_places, n_links, n_countries;
	struct mf_place *places;
	struct mf_link *links;
	char (*countries)[MF_NAME_MAX];
	/* Out-links of place p are out_links[out_offset[p] .. out_offset[p+1]). */
	int *out_offset;
	int *out_links;
	char places_path[4096], links_path[4096];
};

/* Loads and validates a network. Returns NULL and fills err (file:line:column
 * and column name) on bad input: unknown place, duplicate id or link,
 * negative or non-finite numbers, probabilities outside [0, 1], unknown kind
 * or mode, malformed CSV, a destination no origin can reach. Caller frees
 * with mf_graph_destroy. */
struct mf_graph *mf_graph_load(const char *places_path, const char *links_path,
			       struct mf_error *err);

/* Frees a graph. Accepts NULL. */
void mf_graph_destroy(struct mf_graph *graph);

/* Index of the place with this id, or -1. */
int mf_graph_place_index(const struct mf_graph *graph, const char *id);

/* Index of the link from -> to, or -1. */
int mf_graph_link_index(const struct mf_graph *graph, int from, int to);

/* Index of a country by name, or -1. */
int mf_graph_country_index(const struct mf_graph *graph, const char *name);

/* Whether `to` can be reached from `from` along links. */
bool mf_graph_reachable(const struct mf_graph *graph, int from, int to);

#endif
