/* Helpers shared by the C tests: scratch directories and scenarios written
 * from strings. Header-only so that each test stays one executable. */
#ifndef MF_TEST_SUPPORT_H
#define MF_TEST_SUPPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "migflow/migflow.h"
#include "tree.h"

struct scratch {
	char dir[256];
};

static inline void scratch_open(struct scratch *s)
{
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-XXXXXX");
	if (!mkdtemp(s->dir))
		abort();
}

static inline void scratch_path(const struct scratch *s, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", s->dir, name);
}

static inline void scratch_write(const struct scratch *s, const char *name, const char *text)
{
	char path[512];
	scratch_path(s, name, path, sizeof(path));
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static inline void scratch_close(struct scratch *s)
{
	remove_tree(s->dir);
}

#define PLACES_HEADER "id,name,country,region,lat,lon,kind,population,capacity,security,source\n"
#define LINKS_HEADER                                                                       \
	"from,to,mode,distance_km,travel_days,fare_usd,death_per_day,death_per_crossing,"  \
	"interception,intercept_to,capacity_per_day,departs,both_ways,source\n"

/* Writes places.csv, links.csv and scenario.yaml (which refers to them) and
 * loads the scenario; fails the test on error. */
static inline struct mf_scenario *scenario_from_text(const struct scratch *s, const char *places,
						      const char *links, const char *yaml)
{
	scratch_write(s, "places.csv", places);
	scratch_write(s, "links.csv", links);
	scratch_write(s, "scenario.yaml", yaml);
	char path[512];
	scratch_path(s, "scenario.yaml", path, sizeof(path));
	struct mf_error err = {0};
	struct mf_scenario *scenario = mf_scenario_load(path, &err);
	if (!scenario) {
		char text[1024];
		fprintf(stderr, "# scenario failed to load: %s\n", mf_error_format(&err, text, sizeof(text)));
	}
	return scenario;
}

/* A simulation of a scenario written from text, in its scratch directory. */
struct text_run {
	struct scratch scratch;
	struct mf_scenario *scenario;
	struct mf_sim *sim;
};

/* Writes and loads the scenario and creates its simulation; false (the
 * reason on stderr) on error. */
static inline bool text_run_start(struct text_run *r, const char *places, const char *links,
				  const char *yaml, uint64_t seed, int threads)
{
	scratch_open(&r->scratch);
	r->sim = NULL;
	r->scenario = scenario_from_text(&r->scratch, places, links, yaml);
	if (!r->scenario)
		return false;
	struct mf_run_options options = {.seed = seed, .threads = threads};
	struct mf_error err = {0};
	r->sim = mf_sim_create(r->scenario, &options, &err);
	if (!r->sim) {
		char text[1024];
		fprintf(stderr, "# simulation not created: %s\n", mf_error_format(&err, text, sizeof(text)));
	}
	return r->sim != NULL;
}

static inline void text_run_finish(struct text_run *r)
{
	mf_sim_destroy(r->sim);
	mf_scenario_destroy(r->scenario);
	scratch_close(&r->scratch);
}

static inline const char *test_data(const char *name, char *out, size_t size)
{
	const char *dir = getenv("MIGFLOW_TEST_DATA");
	snprintf(out, size, "%s/%s", dir ? dir : "tests/data", name);
	return out;
}

/* The small test world with three free parameters (rate, stay, expel) and
 * the targets they are fitted to (TARGETS_TEMPLATE: passes, expelled,
 * in_beta), for calibrate and posterior tests. */
static inline void write_fit_world(struct scratch *s)
{
	char path[512], text[8192];
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "links.csv" : "places.csv";
		FILE *in = fopen(test_data(k ? "small/links.csv" : "small/places.csv", path, sizeof(path)), "r");
		if (!in)
			abort();
		size_t n = fread(text, 1, sizeof(text) - 1, in);
		text[n] = '\0';
		fclose(in);
		/* No convoy capacity: flows follow the rate, so it can be identified. */
		char *convoy = strstr(text, ",200,mon,no,");
		if (convoy)
			memmove(convoy + 6, convoy + 12, strlen(convoy + 12) + 1), memcpy(convoy, ",,,no,", 6);
		scratch_write(s, name, text);
	}
	scratch_write(s, "scenario.yaml",
		      "name: fit\n"
		      "start: 2024-01-01\n"
		      "days: 90\n"
		      "seed: 3\n"
		      "network: {places: places.csv, links: links.csv}\n"
		      "destination: island\n"
		      "description: Désert, côte — non-ASCII text before the fitted values\n"
		      "parameters:\n"
		      "  wait_days: {hub: 3, coast: {onward: 15}}\n"
		      "  stay_days: {Beta: 60, default: 20}   # the Beta stay: a free parameter\n"
		      "sources:\n"
		      "  - place: home\n"
		      "    intent: circular\n"
		      "    rate: 300        # persons/day: a free parameter\n"
		      "    goals: {work: 2, mine: 1}\n"
		      "monitoring:\n"
		      "  - {name: Post, links: [[post, work]]}\n"
		      "expulsions:\n"
		      "  - {from: mine, to: post, daily_probability: 0.01, retry_share: 0.2}\n"
		      "calibrate:\n"
		      "  - {name: rate, set: 'sources[0].rate', min: 50, max: 1000, start: 150, search: log}\n"
		      "  - {name: stay, set: parameters.stay_days.Beta, min: 10, max: 200, start: 25, search: log}\n"
		      "  - {name: expel, set: 'expulsions[from=mine].daily_probability', min: 0.001, max: 0.05, start: 0.004, search: log}\n");
}

#define TARGETS_TEMPLATE \
	"targets:\n" \
	"  - {name: passes, quantity: monitor_passes, from: 2024-02-01, to: 2024-03-30, observed: %.6f, source: synthetic, tolerance: 0.02}\n" \
	"  - {name: expelled, quantity: expulsions, from: 2024-02-01, to: 2024-03-30, observed: %.6f, source: synthetic, tolerance: 0.02}\n" \
	"  - {name: in_beta, quantity: present, country: Beta, at: 2024-03-30, observed: %.6f, source: synthetic, tolerance: 0.02}\n"


#endif
