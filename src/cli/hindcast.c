/* migflow hindcast: score a hindcast scenario against observations it was
 * not fitted to, beside persistence (the calibrated baseline run on with no
 * new drivers). Per target: each run's relative error (mf_target_error)
 * and the skill 1 - |hindcast error| / |persistence error|
 * (mf_target_skill); replicates (or posterior draws) pair by number. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "migflow/migflow.h"

static void hindcast_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow hindcast HINDCAST.yaml --persistence BASELINE.yaml --targets FILE\n"
		"       [--replicates N | --posterior POST.h5 --draws N] [--seed N] [--agent-scale N]\n"
		"       [--threads N] [--json OUT.json] [-q]\n"
		"Runs both scenarios (replicates 0..N-1 of one seed, or N draws of a posterior\n"
		"with the same particles for both) to the last day of the targets, and prints per\n"
		"target the observed value, the mean simulated values, their relative errors and\n"
		"the skill 1 - |hindcast error| / |persistence error|, with its range over the\n"
		"replicate pairs. A target whose persistence error is 0 (inside an `at_least`\n"
		"bound) has no skill and stays out of the score; so do the targets file's\n"
		"`not_represented` observations. The score is 1 - sum |hindcast error| /\n"
		"sum |persistence error| over the scored targets.\n"
		"  --replicates N   replicates (default 4)\n"
		"  --agent-scale N  persons per agent (default: the scenarios')\n");
}

struct hindcast_args {
	const char *hindcast, *persistence, *targets, *posterior, *json;
	int replicates, draws, threads, agent_scale;
	bool has_seed, quiet;
	uint64_t seed;
};

static int parse(int argc, char **argv, struct hindcast_args *a)
{
	*a = (struct hindcast_args){.replicates = 4};
	const struct mf_cli_option options[] = {
		{.name = "--quiet", .alias = "-q", .kind = MF_CLI_FLAG, .value = &a->quiet},
		MF_OPT_TEXT("--persistence", &a->persistence),
		MF_OPT_TEXT("--targets", &a->targets),
		MF_OPT_TEXT("--posterior", &a->posterior),
		MF_OPT_TEXT("--json", &a->json),
		MF_OPT_INT("--replicates", &a->replicates, 1, 10000),
		MF_OPT_INT("--draws", &a->draws, 1, 10000),
		MF_OPT_INT("--threads", &a->threads, 0, 10000),
		MF_OPT_INT("--agent-scale", &a->agent_scale, 1, 10000),
		MF_OPT_SEED(&a->seed, &a->has_seed),
	};
	const struct mf_cli_command command = {
		.name = "hindcast", .usage = hindcast_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
		.positional = &a->hindcast, .max_positional = 1, .too_many = "one hindcast scenario",
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (!a->hindcast || !a->persistence || !a->targets)
		return mf_cli_usage_error(&command, "give HINDCAST.yaml, --persistence and --targets");
	if (!a->posterior != !a->draws)
		return mf_cli_usage_error(&command, "--posterior POST.h5 and --draws N go together");
	if (a->draws)
		a->replicates = a->draws;
	return -1;
}

/* One side of the comparison: a scenario, its targets and the values of
 * every run (values[run * n + target]). */
struct side {
	const char *path;
	struct mf_scenario *scenario;
	struct mf_targets *targets;
	struct mf_posterior_draws *draws;
	double *values;
};

static enum mf_status simulate(const struct hindcast_args *a, struct side *side, struct mf_error *err)
{
	if (!(side->scenario = mf_scenario_load(side->path, err)))
		return err->code;
	if (a->agent_scale)
		side->scenario->agent_scale = a->agent_scale;
	uint64_t seed = a->has_seed ? a->seed : side->scenario->seed;
	if (!(side->targets = mf_targets_load(a->targets, side->scenario, err)))
		return err->code;
	if (a->posterior &&
	    !(side->draws = mf_posterior_draws_create(a->posterior, side->path, seed, a->draws,
						      a->agent_scale, err)))
		return err->code;
	int n = side->targets->n, runs = a->replicates;
	struct mf_sink *sink = mf_targets_sink_create(side->targets, runs);
	side->values = calloc((size_t)runs * (size_t)(n ? n : 1), sizeof(double));
	if (!sink || !side->values) {
		mf_targets_sink_destroy(sink);
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory");
	}
	struct mf_ensemble_options options = {
		.seed = seed,
		.replicates = runs,
		.threads = a->threads,
		.days = mf_targets_last_day(side->targets) + 1,
		.side_by_side = true,
		.run_scenarios = side->draws ? (const struct mf_scenario *const *)side->draws->scenarios
					     : NULL,
	};
	if (!a->quiet)
		fprintf(stderr, "migflow hindcast: %s, %d %s to day %d ...\n", side->path, runs,
			side->draws ? "posterior draws" : "replicates", options.days);
	enum mf_status status = mf_ensemble_run(side->scenario, &options, &sink, 1, NULL, err);
	if (status == MF_OK)
		memcpy(side->values, mf_targets_sink_values(sink), (size_t)runs * (size_t)n * sizeof(double));
	mf_targets_sink_destroy(sink);
	return status;
}

static void side_free(struct side *side)
{
	mf_targets_destroy(side->targets);
	mf_posterior_draws_destroy(side->draws);
	mf_scenario_destroy(side->scenario);
	free(side->values);
}

/* A target's row of the table. */
struct row {
	double hindcast, persistence;         /* mean simulated values */
	double hindcast_sd, persistence_sd;
	double error_h, error_p, skill;       /* of the means */
	double skill_min, skill_max;          /* over replicate pairs (NAN: none defined) */
	double error_h_min, error_h_max, error_p_min, error_p_max;
};

static void mean_sd(const double *values, int runs, int n, int i, double *mean, double *sd)
{
	double sum = 0, square = 0;
	for (int r = 0; r < runs; r++)
		sum += values[(size_t)r * n + i];
	*mean = sum / runs;
	for (int r = 0; r < runs; r++) {
		double d = values[(size_t)r * n + i] - *mean;
		square += d * d;
	}
	*sd = runs > 1 ? sqrt(square / (runs - 1)) : 0;
}

static void make_row(const struct mf_target *t, const struct side *h, const struct side *p, int runs,
		     int i, struct row *row)
{
	int n = h->targets->n;
	mean_sd(h->values, runs, n, i, &row->hindcast, &row->hindcast_sd);
	mean_sd(p->values, runs, n, i, &row->persistence, &row->persistence_sd);
	row->error_h = mf_target_error(t, row->hindcast);
	row->error_p = mf_target_error(t, row->persistence);
	row->skill = mf_target_skill(row->error_h, row->error_p);
	row->skill_min = row->skill_max = NAN;
	row->error_h_min = row->error_p_min = INFINITY;
	row->error_h_max = row->error_p_max = -INFINITY;
	for (int r = 0; r < runs; r++) {
		double eh = mf_target_error(t, h->values[(size_t)r * n + i]);
		double ep = mf_target_error(t, p->values[(size_t)r * n + i]);
		row->error_h_min = fmin(row->error_h_min, eh);
		row->error_h_max = fmax(row->error_h_max, eh);
		row->error_p_min = fmin(row->error_p_min, ep);
		row->error_p_max = fmax(row->error_p_max, ep);
		double skill = mf_target_skill(eh, ep);
		if (isnan(skill))
			continue;
		row->skill_min = isnan(row->skill_min) ? skill : fmin(row->skill_min, skill);
		row->skill_max = isnan(row->skill_max) ? skill : fmax(row->skill_max, skill);
	}
}

static const char *pct(double x, char *out, size_t size)
{
	if (isnan(x))
		snprintf(out, size, "n/a");
	else
		snprintf(out, size, "%+.1f%%", 100 * x);
	return out;
}

static void print_table(const struct hindcast_args *a, const struct mf_targets *targets,
			const struct row *rows, double score, double score_min, double score_max)
{
	printf("hindcast %s against persistence %s, targets %s: %d %s%s\n\n", a->hindcast,
	       a->persistence, a->targets, a->replicates, a->posterior ? "posterior draws of " : "replicates",
	       a->posterior ? a->posterior : "");
	printf("%-33s %-22s %11s %11s %11s %9s %9s %8s %17s\n", "target", "window", "observed", "hindcast",
	       "persistence", "err hind", "err pers", "skill", "skill range");
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		const struct row *r = &rows[i];
		char o[32], h[32], p[32], eh[16], ep[16];
		mf_cli_persons(t->observed, false, o, sizeof(o));
		mf_cli_persons(r->hindcast, false, h, sizeof(h));
		mf_cli_persons(r->persistence, false, p, sizeof(p));
		char skill[16], range[40];
		if (isnan(r->skill))
			snprintf(skill, sizeof(skill), "n/a");
		else
			snprintf(skill, sizeof(skill), "%+.2f", r->skill);
		if (isnan(r->skill) || isnan(r->skill_min))
			snprintf(range, sizeof(range), "-"); /* out of the score: its pairs are not read */
		else
			snprintf(range, sizeof(range), "%+.2f..%+.2f", r->skill_min, r->skill_max);
		printf("%-33s %-22s %s%10s %11s %11s %9s %9s %8s %17s\n", t->name, t->window,
		       t->at_least ? ">" : " ", o, h, p, pct(r->error_h, eh, sizeof(eh)),
		       pct(r->error_p, ep, sizeof(ep)), skill, range);
	}
	int scored = 0;
	for (int i = 0; i < targets->n; i++)
		scored += !isnan(rows[i].skill);
	printf("\nscore over %d scored targets: 1 - sum |hindcast error| / sum |persistence error| = ", scored);
	if (isnan(score))
		printf("n/a\n");
	else
		printf("%+.2f (%+.2f..%+.2f over the replicate pairs)\n", score, score_min, score_max);
	bool header = false;
	for (int i = 0; i < targets->n; i++)
		if (isnan(rows[i].skill)) {
			if (!header)
				printf("\nout of the score (no skill defined):\n");
			header = true;
			printf("  %-33s persistence error 0: %s\n", targets->targets[i].name,
			       targets->targets[i].at_least ? "inside its at-least bound" : "exact");
		}
	if (targets->n_unrepresented)
		printf("\nnot represented by the model (out of the score):\n");
	for (int i = 0; i < targets->n_unrepresented; i++) {
		const struct mf_unrepresented *u = &targets->unrepresented[i];
		char o[32];
		printf("  %-33s %-22s %11s  %s (%s)\n", u->name, u->period,
		       mf_cli_persons(u->observed, false, o, sizeof(o)), u->reason, u->source);
	}
}

static int write_json(const char *path, const struct hindcast_args *a, const struct mf_targets *targets,
		      const struct row *rows, double score, double score_min, double score_max)
{
	FILE *out = fopen(path, "w");
	if (!out)
		return -1;
	fprintf(out, "{\n  \"runs\": %d,\n  \"posterior\": %s,\n", a->replicates,
		a->posterior ? "true" : "false");
	/* NAN as null. */
	if (isnan(score))
		fprintf(out, "  \"score\": null, \"score_min\": null, \"score_max\": null,\n");
	else
		fprintf(out, "  \"score\": %.10g, \"score_min\": %.10g, \"score_max\": %.10g,\n", score,
			score_min, score_max);
	fprintf(out, "  \"targets\": [");
	for (int i = 0; i < targets->n; i++) {
		const struct mf_target *t = &targets->targets[i];
		const struct row *r = &rows[i];
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		mf_cli_json_string(out, t->name);
		fprintf(out, ", \"window\": \"%s\", \"observed\": %.10g, \"at_least\": %s, "
			"\"hindcast\": %.10g, \"hindcast_sd\": %.10g, \"persistence\": %.10g, "
			"\"persistence_sd\": %.10g, \"hindcast_error\": %.10g, \"persistence_error\": %.10g, "
			"\"hindcast_error_min\": %.10g, \"hindcast_error_max\": %.10g, "
			"\"persistence_error_min\": %.10g, \"persistence_error_max\": %.10g, \"in_score\": %s, ",
			t->window, t->observed, t->at_least ? "true" : "false", r->hindcast, r->hindcast_sd,
			r->persistence, r->persistence_sd, r->error_h, r->error_p, r->error_h_min,
			r->error_h_max, r->error_p_min, r->error_p_max, isnan(r->skill) ? "false" : "true");
		if (isnan(r->skill))
			fprintf(out, "\"skill\": null, ");
		else
			fprintf(out, "\"skill\": %.10g, ", r->skill);
		if (isnan(r->skill_min))
			fprintf(out, "\"skill_min\": null, \"skill_max\": null, ");
		else
			fprintf(out, "\"skill_min\": %.10g, \"skill_max\": %.10g, ", r->skill_min, r->skill_max);
		fprintf(out, "\"source\": ");
		mf_cli_json_string(out, t->source);
		fprintf(out, "}");
	}
	fprintf(out, "\n  ],\n  \"not_represented\": [");
	for (int i = 0; i < targets->n_unrepresented; i++) {
		const struct mf_unrepresented *u = &targets->unrepresented[i];
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		mf_cli_json_string(out, u->name);
		fprintf(out, ", \"observed\": %.10g, \"period\": ", u->observed);
		mf_cli_json_string(out, u->period);
		fprintf(out, ", \"reason\": ");
		mf_cli_json_string(out, u->reason);
		fprintf(out, ", \"source\": ");
		mf_cli_json_string(out, u->source);
		fprintf(out, "}");
	}
	fprintf(out, "\n  ]\n}\n");
	return fclose(out) == 0 ? 0 : -1;
}

/* 1 - sum |hindcast error| / sum |persistence error| over the scored
 * targets, of run r's errors (r < 0: of the means). */
static double score_of(const struct mf_targets *targets, const struct side *h, const struct side *p,
		       const struct row *rows, int r)
{
	double sum_h = 0, sum_p = 0;
	int n = targets->n;
	for (int i = 0; i < n; i++) {
		if (isnan(rows[i].skill))
			continue;
		const struct mf_target *t = &targets->targets[i];
		sum_h += fabs(r < 0 ? rows[i].error_h : mf_target_error(t, h->values[(size_t)r * n + i]));
		sum_p += fabs(r < 0 ? rows[i].error_p : mf_target_error(t, p->values[(size_t)r * n + i]));
	}
	return mf_target_skill(sum_h, sum_p);
}

int mf_cli_hindcast(int argc, char **argv)
{
	struct hindcast_args a;
	int code = parse(argc, argv, &a);
	if (code >= 0)
		return code;
	struct mf_error err;
	mf_error_clear(&err);
	struct side h = {.path = a.hindcast}, p = {.path = a.persistence};
	struct row *rows = NULL;
	enum mf_status status = simulate(&a, &h, &err);
	if (status == MF_OK)
		status = simulate(&a, &p, &err);
	if (status == MF_OK && h.scenario->start != p.scenario->start)
		status = mf_error_at(&err, p.path, 1, 1, "start",
				     "persistence must start on the hindcast's start date");
	if (status != MF_OK)
		goto done;
	const struct mf_targets *targets = h.targets;
	if (!(rows = calloc((size_t)(targets->n ? targets->n : 1), sizeof(*rows)))) {
		status = mf_error_set(&err, MF_ERR_NOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < targets->n; i++)
		make_row(&targets->targets[i], &h, &p, a.replicates, i, &rows[i]);
	double score = score_of(targets, &h, &p, rows, -1), score_min = NAN, score_max = NAN;
	for (int r = 0; r < a.replicates; r++) {
		double s = score_of(targets, &h, &p, rows, r);
		if (isnan(s))
			continue;
		score_min = isnan(score_min) ? s : fmin(score_min, s);
		score_max = isnan(score_max) ? s : fmax(score_max, s);
	}
	if (!a.quiet)
		print_table(&a, targets, rows, score, score_min, score_max);
	if (a.json && write_json(a.json, &a, targets, rows, score, score_min, score_max) < 0)
		status = mf_error_set(&err, MF_ERR_IO, "cannot write %s", a.json);
done:
	if (status != MF_OK)
		mf_cli_print_error(&err);
	free(rows);
	side_free(&h);
	side_free(&p);
	return status == MF_OK ? EXIT_OK : mf_cli_exit_code(status);
}
