/* The report's page: one HTML file with its style and figures inline and a
 * Content-Security-Policy that forbids every fetch, readable on a laptop
 * and printable. The headline numbers carry data attributes (the values of
 * migflow compare --json) for programs and tests. */
#include <math.h>
#include <string.h>

#include "report.h"

static const char *const style =
	":root{--ink:#1f2328;--muted:#59636e;--rule:#d0d7de;--paper:#fff;--soft:#f6f8fa}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',"
	"Arial,sans-serif;color:var(--ink);background:var(--soft)}"
	"main{max-width:1120px;margin:0 auto;padding:24px 28px 40px;background:var(--paper)}"
	"h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;padding-top:8px;"
	"border-top:2px solid var(--ink)}h3{font-size:16px;margin:18px 0 6px}"
	".lede{color:var(--muted);margin:0 0 12px}.note{color:var(--muted);font-size:13px}"
	".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px;"
	"margin:14px 0}.card{border:1px solid var(--rule);border-radius:6px;padding:10px 12px}"
	".card .k{font-size:13px;color:var(--muted)}.card .v{font-size:24px;font-weight:600}"
	".card .i{font-size:13px;color:var(--muted)}"
	".scenario{border-left:5px solid;padding:2px 0 2px 14px;margin:14px 0}"
	".tag{font-size:12px;font-weight:normal;color:var(--muted);margin-left:6px}"
	"table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}"
	"th,td{padding:4px 8px;border-bottom:1px solid var(--rule);text-align:right;"
	"vertical-align:top}th:first-child,td:first-child{text-align:left}"
	"th{font-weight:600;background:var(--soft)}td:not(.t){white-space:nowrap}"
	".t{text-align:left}th.t{text-align:left}.w{white-space:nowrap;font-size:13px}"
	".up{color:#b35806}.down{color:#2166ac}"
	"ol.events{font-size:13px;margin:4px 0;padding-left:28px}ol.events .inh{color:var(--muted)}"
	"pre{white-space:pre-wrap;font-size:12px;background:var(--soft);padding:8px;"
	"border-radius:4px;max-height:420px;overflow:auto}"
	".grid3{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:8px 18px}"
	"figure{margin:0;break-inside:avoid}figcaption{font-size:13px;font-weight:600}"
	"svg{width:100%;height:auto;display:block}"
	"svg text{font-family:inherit}.axis{font-size:10px;fill:#59636e}"
	".grid{stroke:#e6e9ec}.tick,.axisline{stroke:#8c959f}.band{opacity:.18;stroke:none}"
	".line{fill:none;stroke-width:2}.event{stroke-dasharray:3 3;opacity:.7}"
	".sea{fill:#f4f7fa}.link{stroke:#c5ccd3;stroke-width:1}.more{stroke:#e66101;opacity:.85}"
	".fewer{stroke:#5e3c99;opacity:.85}.place{fill:#1f2328}"
	".country{font-size:22px;fill:#c9d1d9;font-weight:600;letter-spacing:2px}"
	".label{font-size:11px;fill:#1f2328;"
	"paint-order:stroke;stroke:#fff;stroke-width:3px}"
	".window{fill:#d0d7de}.own{fill:#d95f02}.inherited{fill:#8c959f}"
	".marker{font-size:9px;fill:#fff;font-weight:600}"
	".tolerance{fill:#cde9d6}.within{fill:#1b7f3b}.outside{fill:#c62828}"
	".legend span{display:inline-block;margin-right:16px;font-size:13px}"
	".legend i{display:inline-block;width:22px;height:4px;vertical-align:middle;margin-right:6px}"
	"footer{margin-top:28px;font-size:12px;color:var(--muted)}"
	"@media print{body{background:#fff;font-size:11pt}main{max-width:none;padding:0}"
	"h2{break-after:avoid}section,figure,table,.scenario{break-inside:avoid}"
	".grid3{grid-template-columns:repeat(3,1fr)}pre{max-height:none}"
	"details:not([open]){display:none}@page{margin:14mm}}";

void report_html_text(FILE *out, const char *text)
{
	for (const char *c = text ? text : ""; *c; c++) {
		switch (*c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*c, out);
		}
	}
}

static void date_text(FILE *out, int day)
{
	char date[11];
	mf_date_format(day, date);
	fputs(date, out);
}

static const char *persons(double value, bool sign, char *out, size_t size)
{
	return mf_cli_persons(value, sign, out, size);
}

/* The scenario's name, and the run's file when another run has the same name. */
static const char *display_name(const struct report *r, int i, char *name, size_t size)
{
	const struct report_run *run = &r->runs[i];
	if (!run->scenario.name[0])
		return run->run.given;
	bool shared = false;
	for (int j = 0; j < r->n_runs; j++)
		shared = shared || (j != i && strcmp(r->runs[j].scenario.name, run->scenario.name) == 0);
	if (!shared)
		return run->scenario.name;
	snprintf(name, size, "%s (%s)", run->scenario.name, run->run.given);
	return name;
}

/* The run's name, escaped. */
static void put_name(FILE *out, const struct report *r, int i)
{
	char name[1400];
	report_html_text(out, display_name(r, i, name, sizeof(name)));
}

static void story(FILE *out, const struct report *r, int i)
{
	const struct report_run *run = &r->runs[i];
	const struct report_scenario *s = &run->scenario;
	fprintf(out, "<article class='scenario' style='border-left-color:%s'><h3>",
		report_svg_colour(i));
	put_name(out, r, i);
	fprintf(out, "<span class='tag'>%s · ", i == 0 ? "baseline" : "alternative");
	report_html_text(out, run->run.given);
	fprintf(out, "</span></h3><p>");
	report_html_text(out, s->description[0] ? s->description : "(no description)");
	fprintf(out, "</p>");
	if (s->story && s->story[0]) {
		fprintf(out, "<details><summary>Story, assumptions and sources (the scenario file's "
			"header)</summary><pre>");
		report_html_text(out, s->story);
		fprintf(out, "</pre></details>");
	}
	int own = 0;
	for (int e = 0; e < s->n_events; e++)
		own += !s->events[e].inherited;
	if (s->n_events == 0) {
		fprintf(out, "<p class='note'>No events: the world holds steady.</p></article>");
		return;
	}
	report_svg_timeline(out, r, s);
	fprintf(out, "<ol class='events'>");
	for (int e = 0; e < s->n_events; e++) {
		const struct report_event *ev = &s->events[e];
		fprintf(out, "<li%s>", ev->inherited ? " class='inh'" : "");
		date_text(out, ev->day);
		fprintf(out, " <b>");
		report_html_text(out, ev->kind);
		fprintf(out, "</b> ");
		report_html_text(out, ev->what);
		fprintf(out, "%s</li>", ev->inherited ? " (as in the baseline)" : "");
	}
	fprintf(out, "</ol>");
	if (i > 0)
		fprintf(out, "<p class='note'>%d event%s of its own, %d as in the baseline (grey).</p>",
			own, own == 1 ? "" : "s", s->n_events - own);
	fprintf(out, "</article>");
}

static void interval_note(FILE *out, const struct report *r, int a)
{
	const struct mf_compare *c = &r->compares[a];
	const struct report_run *base = &r->runs[0], *alt = &r->runs[a + 1];
	if (c->under_posterior)
		fprintf(out, "<p class='note'><b>Posterior intervals.</b> Both runs drew replicate k's "
			"parameters from the calibration's posterior, with the same seed: the 90 %% "
			"intervals (5th–95th percentiles of the %d paired differences) hold parameter "
			"and stochastic uncertainty together.</p>", c->paired);
	else if (c->paired > 0)
		fprintf(out, "<p class='note'>Intervals: 5th–95th percentiles of the differences of "
			"%d paired replicates (replicate k with replicate k): the model's stochastic "
			"uncertainty at fixed parameters%s.</p>", c->paired,
			base->has_drawn || alt->has_drawn ? "; the runs' replicates do not share their "
			"posterior parameters, so the pairs are not like for like" : "");
	else
		fprintf(out, "<p class='note'>No intervals: they need replicates in both runs "
			"(migflow run --replicates N).</p>");
}

static void headline_table(FILE *out, const struct report *r, int a)
{
	const struct mf_compare *c = &r->compares[a];
	const struct report_run *alt = &r->runs[a + 1];
	fprintf(out, "<h3>");
	put_name(out, r, a + 1);
	fprintf(out, " against ");
	put_name(out, r, 0);
	fprintf(out, "</h3><table class='headline' data-run='");
	report_html_text(out, alt->run.given);
	fprintf(out, "' data-base='");
	report_html_text(out, r->runs[0].run.given);
	fprintf(out, "' data-under-posterior='%s'><thead><tr><th>indicator</th><th>baseline</th>"
		"<th>alternative</th><th>change</th><th>90 %% interval of the change</th>"
		"<th>change %%</th></tr></thead><tbody>", c->under_posterior ? "true" : "false");
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		const struct mf_compare_row *row = &c->rows[k];
		char b[32], v[32], d[32], lo[32], hi[32];
		fprintf(out, "<tr data-indicator='%s' data-base='%.17g' data-alt='%.17g' "
			"data-difference='%.17g'", mf_compare_key((enum mf_compare_indicator)k),
			row->base, row->alt, row->difference);
		if (row->has_interval)
			fprintf(out, " data-p05='%.17g' data-p95='%.17g'", row->p05, row->p95);
		fprintf(out, "><td>");
		report_html_text(out, row->label);
		fprintf(out, "</td><td>%s</td><td>%s</td><td class='%s'>%s</td><td>",
			persons(row->base, false, b, sizeof(b)), persons(row->alt, false, v, sizeof(v)),
			row->difference > 0.5 ? "up" : row->difference < -0.5 ? "down" : "",
			persons(row->difference, true, d, sizeof(d)));
		if (row->has_interval)
			fprintf(out, "%s to %s", persons(row->p05, true, lo, sizeof(lo)),
				persons(row->p95, true, hi, sizeof(hi)));
		else
			fprintf(out, "n/a");
		if (fabs(row->base) >= 0.5)
			fprintf(out, "</td><td>%+.1f %%</td></tr>", 100 * row->difference / row->base);
		else
			fprintf(out, "</td><td>–</td></tr>");
	}
	fprintf(out, "</tbody></table>");
	interval_note(out, r, a);
}

/* The four figures a reader looks for first, for the first alternative. */
static void cards(FILE *out, const struct report *r)
{
	static const enum mf_compare_indicator keys[] = {
		MF_COMPARE_PASSES_OUTBOUND, MF_COMPARE_ARRIVALS, MF_COMPARE_DEATHS,
		MF_COMPARE_DISPLACED,
	};
	fprintf(out, "<div class='cards'>");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct mf_compare_row *row = &r->compares[0].rows[keys[i]];
		char d[32], lo[32], hi[32];
		fprintf(out, "<div class='card'><div class='k'>");
		report_html_text(out, row->label);
		fprintf(out, "</div><div class='v %s'>%s</div><div class='i'>",
			row->difference > 0.5 ? "up" : row->difference < -0.5 ? "down" : "",
			persons(row->difference, true, d, sizeof(d)));
		if (row->has_interval)
			fprintf(out, "90 %% interval %s to %s", persons(row->p05, true, lo, sizeof(lo)),
				persons(row->p95, true, hi, sizeof(hi)));
		else
			fprintf(out, "no interval (single runs)");
		fprintf(out, "</div></div>");
	}
	fprintf(out, "</div>");
}

static void series(FILE *out, const struct report *r)
{
	fprintf(out, "<h2 id='series'>Over time</h2><p class='lede'>Each indicator %s: the mean "
		"over replicates (line) and the 5–95 %% range of the replicates (band). Flows are "
		"persons per day over each %s, stocks persons on its last day. Dashed lines: the "
		"alternatives' own events.</p><p class='legend'>",
		r->weekly ? "week by week" : "month by month", r->weekly ? "week" : "month");
	for (int i = 0; i < r->n_runs; i++) {
		fprintf(out, "<span><i style='background:%s'></i>", report_svg_colour(i));
		put_name(out, r, i);
		fprintf(out, "</span>");
	}
	fprintf(out, "</p><div class='grid3'>");
	for (int k = 0; k < MF_COMPARE_COUNT; k++) {
		char label[160];
		snprintf(label, sizeof(label), "%s", r->compares[0].rows[k].label);
		char *end = strstr(label, " (end)");
		if (end)
			*end = '\0';
		fprintf(out, "<figure><figcaption>");
		report_html_text(out, label);
		fprintf(out, "%s</figcaption>", mf_compare_is_stock((enum mf_compare_indicator)k)
			? "" : " per day");
		report_svg_series(out, r, (enum mf_compare_indicator)k, label);
		fprintf(out, "</figure>");
	}
	fprintf(out, "</div>");
}

static void calibration(FILE *out, const struct report *r)
{
	const struct report_targets *t = &r->targets;
	fprintf(out, "<h2 id='calibration'>Calibration fit of the baseline</h2>");
	if (t->n == 0) {
		fprintf(out, "<p class='note'>The baseline's scenario names no targets file, so its "
			"run holds no calibration report (the scenario's <code>targets:</code> key).</p>");
		return;
	}
	fprintf(out, "<p class='lede'>The baseline run against the observations its scenario is "
		"calibrated to: relative error of the simulated mean (dot) and the target's "
		"tolerance (green band).</p><p class='note'>The simulated value is the mean over the "
		"run's %d replicate%s%s, over the whole calibration period; an error of 0 above a "
		"lower bound (an at-least observation) means the bound is met.</p>",
		r->runs[0].run.replicates ? r->runs[0].run.replicates : 1,
		r->runs[0].run.replicates == 1 ? "" : "s", r->runs[0].has_drawn
		? ", each with parameters drawn from the posterior (their spread is in the mean)"
		: "");
	report_svg_targets(out, t);
	fprintf(out, "<table><thead><tr><th>target</th><th class='t'>when</th><th>observed</th>"
		"<th>simulated (mean)</th><th>error</th><th>tolerance</th><th class='t'>source</th></tr>"
		"</thead><tbody>");
	for (int i = 0; i < t->n; i++) {
		char o[32], s[32];
		fprintf(out, "<tr data-target='");
		report_html_text(out, t->name[i]);
		fprintf(out, "'><td>");
		report_html_text(out, t->name[i]);
		fprintf(out, "</td><td class='t w'>");
		report_html_text(out, t->window[i]);
		fprintf(out, "</td><td>%s</td><td>%s</td><td class='%s'>%+.1f %%</td><td>%.0f %%</td>"
			"<td class='t'>", persons(t->observed[i], false, o, sizeof(o)),
			persons(t->simulated[i], false, s, sizeof(s)),
			t->within[i] > 0 ? "" : "up", 100 * t->error[i], 100 * t->tolerance[i]);
		report_html_text(out, t->source[i]);
		fprintf(out, "</td></tr>");
	}
	fprintf(out, "</tbody></table>");
}

static void sources(FILE *out, const struct report *r)
{
	fprintf(out, "<h2 id='sources'>Runs and sources</h2><table><thead><tr><th>run</th>"
		"<th class='t'>scenario</th><th>replicates</th><th>seed</th><th>agent scale</th>"
		"<th class='t'>made by</th></tr></thead><tbody>");
	for (int i = 0; i < r->n_runs; i++) {
		const struct report_run *run = &r->runs[i];
		fprintf(out, "<tr><td>");
		report_html_text(out, run->run.given);
		fprintf(out, "</td><td class='t'>");
		report_html_text(out, run->run.scenario_name);
		fprintf(out, "</td><td>%d%s</td><td>%lld</td><td>%lld</td><td class='t'>",
			run->run.replicates, run->has_drawn ? " (posterior draws)" : "",
			(long long)run->seed, (long long)run->agent_scale);
		report_html_text(out, run->history);
		fprintf(out, "</td></tr>");
	}
	fprintf(out, "</tbody></table><p class='note'>");
	report_html_text(out, r->runs[0].source);
	fprintf(out, ". References: ");
	report_html_text(out, r->runs[0].references);
	fprintf(out, ". Each scenario file below cites the source of its numbers or marks them as "
		"parameters; the network's sources are in its CSV files (scenarios/network/).</p>");
	for (int i = 0; i < r->n_runs; i++) {
		if (!r->runs[i].scenario.sources)
			continue;
		fprintf(out, "<details><summary>Scenario files of ");
		put_name(out, r, i);
		fprintf(out, ", with their comments</summary><pre>");
		report_html_text(out, r->runs[i].scenario.sources);
		fprintf(out, "</pre></details>");
	}
}

void report_html_write(FILE *out, const struct report *r)
{
	char title[3000], alt[1400], base[1400];
	if (r->title)
		snprintf(title, sizeof(title), "%s", r->title);
	else
		snprintf(title, sizeof(title), "Briefing: %s against %s%s",
			 display_name(r, 1, alt, sizeof(alt)), display_name(r, 0, base, sizeof(base)),
			 r->n_runs > 2 ? " and other alternatives" : "");
	fprintf(out, "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
		"<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
		"img-src data:; style-src 'unsafe-inline'\">"
		"<meta name='viewport' content='width=device-width, initial-scale=1'>"
		"<meta name='generator' content='migflow %s'><title>", MF_VERSION);
	report_html_text(out, title);
	fprintf(out, "</title><style>%s</style></head>\n<body><main><h1>", style);
	report_html_text(out, title);
	fprintf(out, "</h1><p class='lede'>");
	date_text(out, r->from);
	fprintf(out, " to ");
	date_text(out, r->to);
	fprintf(out, " (%d days). Persons are counted as the model counts them (an agent stands "
		"for %lld person%s); flows are summed over the period, stocks taken on its last "
		"day.</p>", r->to - r->from + 1, (long long)r->runs[0].agent_scale,
		r->runs[0].agent_scale == 1 ? "" : "s");
	fprintf(out, "<h2 id='question'>The question</h2><p>What changes from ");
	date_text(out, r->from);
	fprintf(out, " to ");
	date_text(out, r->to);
	fprintf(out, " if the world goes as in ");
	for (int i = 1; i < r->n_runs; i++) {
		fprintf(out, "%s<b>", i == 1 ? "" : i + 1 == r->n_runs ? " or " : ", ");
		put_name(out, r, i);
		fprintf(out, "</b>");
	}
	fprintf(out, " rather than as in the baseline, <b>");
	put_name(out, r, 0);
	fprintf(out, "</b>? Change in the first alternative, with its 90 %% interval:</p>");
	cards(out, r);
	for (int i = 0; i < r->n_runs; i++)
		story(out, r, i);
	fprintf(out, "<h2 id='headline'>Headline indicators</h2><p class='lede'>Over the window; "
		"means over replicates. The same indicators and numbers as "
		"<code>migflow compare</code>.</p>");
	for (int a = 0; a + 1 < r->n_runs; a++)
		headline_table(out, r, a);
	series(out, r);
	fprintf(out, "<h2 id='map'>Where flows change</h2>");
	for (int a = 1; a < r->n_runs; a++) {
		fprintf(out, "<figure><figcaption>");
		put_name(out, r, a);
		fprintf(out, " minus ");
		put_name(out, r, 0);
		fprintf(out, ": persons setting out on each link over the window (mean over "
			"replicates; each direction drawn on its right; orange more, purple fewer; "
			"changes under 1 %% of the largest not drawn)</figcaption>");
		report_svg_map(out, r, a);
		fprintf(out, "</figure>");
	}
	calibration(out, r);
	sources(out, r);
	fprintf(out, "<footer>Made by <code>migflow report</code> (migflow %s) from the run files "
		"above; self-contained: no script, font or image is fetched.</footer>"
		"</main></body></html>\n", MF_VERSION);
}
