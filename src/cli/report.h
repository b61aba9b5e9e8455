/* migflow report: a briefing page (one self-contained HTML file) on a
 * baseline run and one or more alternatives. Private to the CLI:
 *   report.c       the command line, the output written atomically
 *   report_data.c  what the page shows, read from the run files
 *   report_story.c the scenarios' stories and events (the embedded YAML)
 *   report_svg.c   the figures, as inline SVG
 *   report_html.c  the page */
#ifndef MF_CLI_REPORT_H
#define MF_CLI_REPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "migflow/migflow.h"

#define REPORT_TEXT_MAX 4096

struct report_event {
	int day;              /* days since 1970 */
	char kind[32];
	char what[256];       /* the event's other fields, as "where: Niamey, level: 0.3" */
	bool inherited;       /* an alternative's event that the baseline has too */
};

/* A scenario as its run file embeds it. */
struct report_scenario {
	char name[128];
	char description[REPORT_TEXT_MAX];
	char *story;          /* the leading comment of the scenario's file; may be NULL */
	char *sources;        /* every file of its extends chain, with their comments */
	int n_events;
	struct report_event *events;
};

/* One indicator of one run over the periods: mean and 5 / 95 % across
 * replicates of each period's value (a flow per day over the period, a
 * stock on its last day). */
struct report_band {
	double *mean, *p05, *p95; /* [n_periods] */
};

struct report_run {
	struct mf_compare_run run;
	struct report_scenario scenario;
	struct report_band bands[MF_COMPARE_COUNT];
	double *link_flow;    /* [n_links] persons setting out over the window, mean over replicates */
	char *source, *references, *history, *engine_version;
	int64_t seed, agent_scale;
	bool has_drawn;       /* replicates drawn from a posterior */
};

/* The baseline's calibration targets (target_* in its file). */
struct report_targets {
	int n;
	char **name, **quantity, **window, **source; /* [n] */
	double *observed, *simulated, *simulated_sd, *error, *tolerance, *within; /* [n] */
};

/* The network, from the baseline's tables. */
struct report_network {
	int n_places, n_links;
	char **place_name, **place_id, **place_kind; /* [n_places] */
	double *lat, *lon;                           /* [n_places] */
	int *link_from, *link_to;                    /* [n_links] place indices */
};

struct report {
	const char *country;  /* persons present are counted in it */
	const char *title;
	int from, to;         /* the window, days since 1970 */
	int n_runs;           /* runs[0] is the baseline */
	struct report_run *runs;
	struct mf_compare *compares; /* [n_runs - 1]: runs[0] against runs[i + 1] */
	int n_periods;
	int *period_first, *period_last; /* [n_periods] */
	bool weekly;          /* periods of 7 days (else calendar months) */
	struct report_network network;
	struct report_targets targets;
};

/* A window's end not given: the first or last day all runs cover. */
#define REPORT_DEFAULT_DAY INT_MIN

/* Opens the runs (files or BATCH.h5#MEMBER) and reads what the page shows
 * over [from, to] (days since 1970, or REPORT_DEFAULT_DAY). */
enum mf_status report_load(struct report *report, int n_runs, char **given, int from, int to,
			   const char *country, struct mf_error *err);
void report_free(struct report *report);

/* The scenario embedded in run (its resolved YAML and source texts). */
enum mf_status report_story_read(struct mf_reader *reader, struct report_scenario *scenario,
				 struct mf_error *err);
void report_story_free(struct report_scenario *scenario);
/* Marks each of alt's events that base has too as inherited. */
void report_story_mark_inherited(struct report_scenario *alt, const struct report_scenario *base);

/* Writes the page. */
void report_html_write(FILE *out, const struct report *report);

/* Text with &, <, >, " and ' escaped for HTML. */
void report_html_text(FILE *out, const char *text);

/* The figures. Series colours: index 0 is the baseline. */
const char *report_svg_colour(int run);
void report_svg_series(FILE *out, const struct report *report, enum mf_compare_indicator k,
		       const char *title);
void report_svg_map(FILE *out, const struct report *report, int alt);
void report_svg_timeline(FILE *out, const struct report *report, const struct report_scenario *s);
void report_svg_targets(FILE *out, const struct report_targets *targets);

#endif
