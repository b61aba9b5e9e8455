/* The report's figures as inline SVG: time series with their 5-95 % bands,
 * the map of the change in link flows, the scenarios' timelines and the
 * calibration fit. Each figure scales to the page's width (viewBox). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char *const colours[] = {"#4d4d4d", "#d95f02", "#1b9e77", "#7570b3", "#e7298a",
				      "#66a61e"};

const char *report_svg_colour(int run)
{
	return colours[run % (int)(sizeof(colours) / sizeof(colours[0]))];
}

/* A number for an axis: 950, 12k, 1.5M. */
static const char *short_number(double v, char *out, size_t size)
{
	double a = fabs(v);
	if (a >= 1e6)
		snprintf(out, size, "%.*fM", a >= 1e7 || fmod(a, 1e6) == 0 ? 0 : 1, v / 1e6);
	else if (a >= 1e3)
		snprintf(out, size, "%.*fk", a >= 1e4 || fmod(a, 1e3) == 0 ? 0 : 1, v / 1e3);
	else
		snprintf(out, size, "%.0f", v);
	return out;
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks over range. */
static double nice_step(double range, int n)
{
	if (range <= 0)
		return 1;
	double raw = range / n, power = pow(10, floor(log10(raw))), f = raw / power;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Ticks along a time axis from day first to last: years, or months on a
 * short axis, drawn at x(day) = x0 + (day - first) * scale. */
static void time_axis(FILE *out, int first, int last, double x0, double scale, double y,
		      double tick)
{
	bool months = last - first < 600;
	char date[11];
	for (int day = first; day <= last; day++) {
		mf_date_format(day, date);
		if (date[8] != '0' || date[9] != '1' || (!months && (date[5] != '0' || date[6] != '1')))
			continue;
		int month = atoi(date + 5);
		if (months && last - first > 240 && month % 3 != 1)
			continue;
		double x = x0 + (day - first) * scale;
		fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='tick'/>", x, y, x,
			y + tick);
		/* A label near the axis's start begins at its tick. */
		const char *anchor = x - x0 < 16 ? "start" : "middle";
		if (months)
			fprintf(out, "<text x='%.1f' y='%.1f' class='axis' text-anchor='%s'>%s%s%.4s</text>",
				x, y + tick + 11, anchor, month_names[month - 1], month == 1 ? " " : "",
				month == 1 ? date : "");
		else
			fprintf(out, "<text x='%.1f' y='%.1f' class='axis' text-anchor='%s'>%.4s</text>",
				x, y + tick + 11, anchor, date);
	}
}

void report_svg_series(FILE *out, const struct report *r, enum mf_compare_indicator k,
		       const char *title)
{
	const double width = 380, height = 210, left = 48, right = 10, top = 10, bottom = 34;
	double low = 0, high = 0;
	for (int i = 0; i < r->n_runs; i++)
		for (int p = 0; p < r->n_periods; p++) {
			const struct report_band *b = &r->runs[i].bands[k];
			low = fmin(low, fmin(b->p05[p], b->mean[p]));
			high = fmax(high, fmax(b->p95[p], b->mean[p]));
		}
	double step = nice_step(high - low, 4);
	low = floor(low / step) * step;
	high = fmax(ceil(high / step) * step, low + step);
	int first = r->period_first[0], last = r->period_last[r->n_periods - 1];
	double xs = (width - left - right) / fmax(1, last - first);
	double ys = (height - top - bottom) / (high - low);
#define X(day) (left + ((day) - first) * xs)
#define Y(v) (height - bottom - ((v) - low) * ys)
	fprintf(out, "<svg viewBox='0 0 %.0f %.0f' role='img' aria-label='", width, height);
	report_html_text(out, title);
	fprintf(out, "'>");
	char label[32];
	for (double v = low; v <= high + step / 2; v += step) {
		fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='grid'/>", left, Y(v),
			width - right, Y(v));
		fprintf(out, "<text x='%.1f' y='%.1f' class='axis' text-anchor='end'>%s</text>",
			left - 4, Y(v) + 3.5, short_number(fabs(v) < step / 1e6 ? 0 : v, label,
							   sizeof(label)));
	}
	time_axis(out, first, last, left, xs, height - bottom, 4);
	for (int i = 1; i < r->n_runs; i++)
		for (int e = 0; e < r->runs[i].scenario.n_events; e++) {
			const struct report_event *ev = &r->runs[i].scenario.events[e];
			if (ev->inherited || ev->day < first || ev->day > last)
				continue;
			fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='event' "
				"stroke='%s'/>", X(ev->day), top, X(ev->day), height - bottom,
				report_svg_colour(i));
		}
	for (int i = 0; i < r->n_runs; i++) {
		const struct report_band *b = &r->runs[i].bands[k];
		fprintf(out, "<path class='band' fill='%s' d='", report_svg_colour(i));
		for (int p = 0; p < r->n_periods; p++)
			fprintf(out, "%c%.1f %.1f", p ? 'L' : 'M',
				X((r->period_first[p] + r->period_last[p]) / 2.0), Y(b->p95[p]));
		for (int p = r->n_periods - 1; p >= 0; p--)
			fprintf(out, "L%.1f %.1f", X((r->period_first[p] + r->period_last[p]) / 2.0),
				Y(b->p05[p]));
		fprintf(out, "Z'/><path class='line' stroke='%s' d='", report_svg_colour(i));
		for (int p = 0; p < r->n_periods; p++)
			fprintf(out, "%c%.1f %.1f", p ? 'L' : 'M',
				X((r->period_first[p] + r->period_last[p]) / 2.0), Y(b->mean[p]));
		fprintf(out, "'/>");
	}
#undef X
#undef Y
	fprintf(out, "</svg>");
}

/* --- the map ----------------------------------------------------------------------- */

struct projection {
	double lon0, lat1, kx, scale, margin;
};

static double map_x(const struct projection *p, double lon)
{
	return p->margin + (lon - p->lon0) * p->kx * p->scale;
}

static double map_y(const struct projection *p, double lat)
{
	return p->margin + (p->lat1 - lat) * p->scale;
}

/* Indices of the links by decreasing absolute change (insertion sort:
 * networks have a few hundred links). */
static void order_links(int *order, const double *change, int n)
{
	for (int i = 0; i < n; i++) {
		int j = i;
		while (j > 0 && fabs(change[order[j - 1]]) < fabs(change[i])) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}

/* Country names, large and light, at the middle of their places. */
static void country_labels(FILE *out, const struct report *r, const struct projection *proj)
{
	const struct mf_compare_run *base = &r->runs[0].run;
	const struct report_network *net = &r->network;
	for (int p = 0; p < net->n_places && p < base->n_places; p++) {
		bool first = true;
		for (int q = 0; q < p && first; q++)
			first = strcmp(base->place_country[q], base->place_country[p]) != 0;
		if (!first)
			continue;
		double x = 0, y = 0;
		int n = 0;
		for (int q = p; q < net->n_places && q < base->n_places; q++)
			if (strcmp(base->place_country[q], base->place_country[p]) == 0) {
				x += map_x(proj, net->lon[q]);
				y += map_y(proj, net->lat[q]);
				n++;
			}
		fprintf(out, "<text x='%.1f' y='%.1f' class='country' text-anchor='middle'>", x / n,
			y / n);
		report_html_text(out, base->place_country[p]);
		fprintf(out, "</text>");
	}
}

struct box {
	double x, y, w, h;
};

static bool overlaps(const struct box *boxes, int n, struct box b)
{
	for (int i = 0; i < n; i++)
		if (b.x < boxes[i].x + boxes[i].w && boxes[i].x < b.x + b.w &&
		    b.y < boxes[i].y + boxes[i].h && boxes[i].y < b.y + b.h)
			return true;
	return false;
}

/* Names of the places by priority (lowest first; negative: no label), each
 * right of its place, else left, else below, else left out where it would
 * cover another. */
static void place_labels(FILE *out, const struct report_network *net,
			 const struct projection *proj, const int *priority, double width)
{
	struct box *boxes = calloc((size_t)net->n_places + 1, sizeof(*boxes));
	if (!boxes)
		return;
	int placed = 0;
	for (int level = 0; level <= net->n_links + 1; level++)
		for (int p = 0; p < net->n_places; p++) {
			if (priority[p] != level)
				continue;
			double x = map_x(proj, net->lon[p]), y = map_y(proj, net->lat[p]);
			double w = 6.2 * (double)strlen(net->place_name[p]);
			const struct box tries[3] = {
				{x + 5, y - 15, w, 13}, {x - 5 - w, y - 15, w, 13}, {x + 5, y + 2, w, 13},
			};
			for (int t = 0; t < 3; t++) {
				if (overlaps(boxes, placed, tries[t]) || tries[t].x < 0 ||
				    tries[t].x + w > width)
					continue;
				boxes[placed++] = tries[t];
				fprintf(out, "<text x='%.1f' y='%.1f' class='label'>", tries[t].x,
					tries[t].y + 10);
				report_html_text(out, net->place_name[p]);
				fprintf(out, "</text>");
				break;
			}
		}
	free(boxes);
}

void report_svg_map(FILE *out, const struct report *r, int alt)
{
	const struct report_network *net = &r->network;
	const double width = 800, margin = 40;
	double lon0 = 1e9, lon1 = -1e9, lat0 = 1e9, lat1 = -1e9;
	for (int p = 0; p < net->n_places; p++) {
		lon0 = fmin(lon0, net->lon[p]);
		lon1 = fmax(lon1, net->lon[p]);
		lat0 = fmin(lat0, net->lat[p]);
		lat1 = fmax(lat1, net->lat[p]);
	}
	const double degree = 3.14159265358979323846 / 180;
	struct projection proj = {lon0, lat1, cos((lat0 + lat1) / 2 * degree), 1, margin};
	proj.scale = (width - 2 * margin) / fmax(1e-6, (lon1 - lon0) * proj.kx);
	double height = fmin(2 * margin + (lat1 - lat0) * proj.scale, 720);
	proj.scale = fmin(proj.scale, (height - 2 * margin) / fmax(1e-6, lat1 - lat0));
	double *change = calloc((size_t)net->n_links + 1, sizeof(double));
	int *order = calloc((size_t)net->n_links + 1, sizeof(int));
	int *priority = calloc((size_t)net->n_places + 1, sizeof(int));
	if (!change || !order || !priority) {
		fprintf(out, "<p>(out of memory drawing the map)</p>");
		goto done;
	}
	double most = 0;
	for (int l = 0; l < net->n_links; l++) {
		change[l] = r->runs[alt].link_flow[l] - r->runs[0].link_flow[l];
		most = fmax(most, fabs(change[l]));
	}
	order_links(order, change, net->n_links);
	fprintf(out, "<svg viewBox='0 0 %.0f %.0f' role='img' aria-label='change in link flows'>"
		"<rect width='100%%' height='100%%' class='sea'/>", width, height + 30);
	country_labels(out, r, &proj);
	for (int l = 0; l < net->n_links; l++) {
		int a = net->link_from[l], b = net->link_to[l];
		fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='link'/>",
			map_x(&proj, net->lon[a]), map_y(&proj, net->lat[a]),
			map_x(&proj, net->lon[b]), map_y(&proj, net->lat[b]));
	}
	/* Largest changes drawn last (on top); each direction offset to its right. */
	for (int i = net->n_links - 1; i >= 0; i--) {
		int l = order[i], a = net->link_from[l], b = net->link_to[l];
		if (most <= 0 || fabs(change[l]) < most * 0.01)
			continue;
		double x1 = map_x(&proj, net->lon[a]), y1 = map_y(&proj, net->lat[a]);
		double x2 = map_x(&proj, net->lon[b]), y2 = map_y(&proj, net->lat[b]);
		double w = 1 + 9 * fabs(change[l]) / most, dx = x2 - x1, dy = y2 - y1;
		double length = fmax(1e-6, sqrt(dx * dx + dy * dy)), off = w / 2 + 0.5;
		double ox = -dy / length * off, oy = dx / length * off;
		char persons[32];
		fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke-width='%.1f' "
			"class='%s'><title>", x1 + ox, y1 + oy, x2 + ox, y2 + oy, w,
			change[l] > 0 ? "more" : "fewer");
		report_html_text(out, net->place_name[a]);
		fprintf(out, " → ");
		report_html_text(out, net->place_name[b]);
		fprintf(out, ": %s persons</title></line>",
			mf_cli_persons(change[l], true, persons, sizeof(persons)));
	}
	/* Labels: the destinations, then the ends of the twelve largest changes. */
	for (int p = 0; p < net->n_places; p++)
		priority[p] = strcmp(net->place_kind[p], "destination") == 0 ? 0 : -1;
	for (int i = 0; i < net->n_links && i < 12 && most > 0; i++) {
		int l = order[i], ends[2] = {net->link_from[l], net->link_to[l]};
		for (int e = 0; e < 2; e++)
			if (priority[ends[e]] < 0)
				priority[ends[e]] = i + 1;
	}
	for (int p = 0; p < net->n_places; p++) {
		bool destination = strcmp(net->place_kind[p], "destination") == 0;
		double x = map_x(&proj, net->lon[p]), y = map_y(&proj, net->lat[p]);
		fprintf(out, "<circle cx='%.1f' cy='%.1f' r='%.1f' class='place'><title>", x, y,
			destination ? 4.0 : 2.5);
		report_html_text(out, net->place_name[p]);
		fprintf(out, "</title></circle>");
	}
	place_labels(out, net, &proj, priority, width);
	char persons[32];
	double y = height + 10;
	fprintf(out, "<line x1='%.0f' y1='%.1f' x2='%.0f' y2='%.1f' stroke-width='10' class='more'/>"
		"<text x='%.0f' y='%.1f' class='axis'>%s persons more</text>", margin, y,
		margin + 40, y, margin + 46, y + 4,
		mf_cli_persons(most, false, persons, sizeof(persons)));
	fprintf(out, "<line x1='%.0f' y1='%.1f' x2='%.0f' y2='%.1f' stroke-width='10' class='fewer'/>"
		"<text x='%.0f' y='%.1f' class='axis'>%s persons fewer (setting out on a link over "
		"the window; width by size)</text>", margin + 250, y, margin + 290, y, margin + 296,
		y + 4, mf_cli_persons(most, false, persons, sizeof(persons)));
	fprintf(out, "</svg>");
done:
	free(change);
	free(order);
	free(priority);
}

/* --- timelines and the calibration fit ---------------------------------------------- */

void report_svg_timeline(FILE *out, const struct report *r, const struct report_scenario *s)
{
	const struct mf_compare_run *base = &r->runs[0].run;
	int first = base->start, last = base->start + base->days - 1;
	for (int i = 1; i < r->n_runs; i++) {
		first = r->runs[i].run.start < first ? r->runs[i].run.start : first;
		int end = r->runs[i].run.start + r->runs[i].run.days - 1;
		last = end > last ? end : last;
	}
	const double width = 800, left = 20, right = 20;
	double xs = (width - left - right) / fmax(1, last - first);
	int levels = 1;
	double *taken = calloc((size_t)s->n_events + 1, sizeof(double));
	int *level = calloc((size_t)s->n_events + 1, sizeof(int));
	if (!taken || !level) {
		free(taken);
		free(level);
		return;
	}
	/* Markers closer than 16 px stack upwards. */
	for (int e = 0; e < s->n_events; e++) {
		double x = left + (s->events[e].day - first) * xs;
		int l = 0;
		while (l < levels && taken[l] > 0 && x - taken[l] < 16)
			l++;
		if (l == levels && l < s->n_events)
			levels++;
		taken[l] = x;
		level[e] = l;
	}
	double axis = 14 + levels * 16;
	fprintf(out, "<svg viewBox='0 0 %.0f %.0f' role='img' aria-label='events on a timeline'>",
		width, axis + 22);
	fprintf(out, "<rect x='%.1f' y='%.1f' width='%.1f' height='6' class='window'/>",
		left + (r->from - first) * xs, axis - 3, (r->to - r->from + 1) * xs);
	fprintf(out, "<line x1='%.0f' y1='%.1f' x2='%.0f' y2='%.1f' class='axisline'/>", left, axis,
		width - right, axis);
	time_axis(out, first, last, left, xs, axis, 5);
	for (int e = 0; e < s->n_events; e++) {
		double x = left + (s->events[e].day - first) * xs, y = axis - 12 - level[e] * 16;
		fprintf(out, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' class='tick'/>"
			"<circle cx='%.1f' cy='%.1f' r='7' class='%s'/>"
			"<text x='%.1f' y='%.1f' class='marker' text-anchor='middle'>%d</text>",
			x, y + 7, x, axis, x, y, s->events[e].inherited ? "inherited" : "own", x, y + 3,
			e + 1);
	}
	fprintf(out, "</svg>");
	free(taken);
	free(level);
}

void report_svg_targets(FILE *out, const struct report_targets *t)
{
	const double width = 800, left = 250, right = 20, row = 20, top = 24;
	double most = 0.05;
	for (int i = 0; i < t->n; i++)
		most = fmax(most, fmax(fabs(t->error[i]), t->tolerance[i]));
	most = fmin(most * 1.1, 1.0);
	double half = (width - left - right) / 2, mid = left + half, xs = half / most;
	double height = top + t->n * row + 10;
	fprintf(out, "<svg viewBox='0 0 %.0f %.0f' role='img' aria-label='calibration fit'>", width,
		height);
	double step = nice_step(2 * most, 6);
	for (double v = -floor(most / step) * step; v <= most + 1e-9; v += step)
		fprintf(out, "<line x1='%.1f' y1='%.0f' x2='%.1f' y2='%.0f' class='grid'/>"
			"<text x='%.1f' y='%.0f' class='axis' text-anchor='middle'>%+.0f %%</text>",
			mid + v * xs, top - 6, mid + v * xs, height - 10, mid + v * xs, top - 10,
			fabs(v) < step / 1e6 ? 0 : v * 100);
	for (int i = 0; i < t->n; i++) {
		double y = top + i * row + row / 2, tol = fmin(t->tolerance[i], most);
		fprintf(out, "<text x='%.0f' y='%.1f' class='axis' text-anchor='end'>", left - 8, y + 4);
		report_html_text(out, t->name[i]);
		fprintf(out, "</text><rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' class='tolerance'/>"
			"<circle cx='%.1f' cy='%.1f' r='5' class='%s'/>", mid - tol * xs, y - 6,
			2 * tol * xs, 12.0, mid + fmax(-most, fmin(most, t->error[i])) * xs, y,
			t->within[i] > 0 ? "within" : "outside");
	}
	fprintf(out, "</svg>");
}
