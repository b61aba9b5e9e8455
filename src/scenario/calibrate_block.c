/* Reading a scenario: the `calibrate:` block (scenario_private.h). Each
 * free parameter is a YAML path into this scenario, to one value it sets
 * (`set`) or to values it multiplies (`scale`), with bounds, a start value
 * and a search scale. Values it writes are checked against their ranges
 * (for model parameters, those of the parameter table) when template.c
 * reads the scenario again with them. */
#include "scenario_private.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int mf_calibrate_select(const struct yt_doc *doc, const char *declared_in, const char *path,
			struct yt_node **found, int max)
{
	int n = yt_select(doc->root, path, found, max);
	if (n <= 0)
		return n;
	/* The files from the one that declares the block up its extends chain. */
	const struct yt_doc *from = doc;
	while (from && strcmp(from->path, declared_in) != 0)
		from = from->parent;
	if (!from || from == doc)
		return n;
	int kept = 0;
	for (int k = 0; k < n && k < max; k++) {
		bool ours = false;
		for (const struct yt_doc *d = from; d && !ours; d = d->parent)
			ours = strcmp(found[k]->file, d->path) == 0;
		if (ours)
			found[kept++] = found[k];
	}
	return n > max ? n : kept;
}

/* The path of `set` or `scale`: it must name numbers of this scenario,
 * exactly one for `set`. */
static int read_path(struct reader *r, const struct yt_node *m, const char *where,
		     struct mf_free_parameter *f)
{
	char field[96];
	int which;
	const struct yt_node *path = mf_read_one_of(r, m, where, "set", "scale", &which);
	if (!path)
		return -1;
	f->multiplier = which == 1;
	FIELD(field, "%s.%s", where, which ? "scale" : "set");
	if (yt_string(r->doc, path, field, f->path, sizeof(f->path), r->err) < 0)
		return -1;
	struct yt_node *found[256];
	int n = mf_calibrate_select(r->doc, m->file, f->path, found, 256);
	if (n < 0)
		return mf_read_fail(r, path, field, "malformed path '%s' (keys joined by '.', lists as key[2], key[*] or key[field=value])", f->path);
	if (n == 0)
		return mf_read_fail(r, path, field, "'%s' names no value of this scenario", f->path);
	if (n > 256)
		return mf_read_fail(r, path, field, "'%s' names more than 256 values", f->path);
	if (!f->multiplier && n != 1)
		return mf_read_fail(r, path, field, "'set' names %d values; use 'scale' to multiply several", n);
	for (int k = 0; k < n; k++) {
		double value;
		if (found[k]->kind != YT_SCALAR || !mf_text_double(found[k]->text, &value))
			return mf_read_fail(r, path, field, "'%s' names something that is not a number (line %d)",
					    f->path, found[k]->line);
	}
	return 0;
}

/* min, max, start and search. */
static int read_bounds(struct reader *r, const struct yt_node *m, const char *where,
		       struct mf_free_parameter *f)
{
	char field[96];
	FIELD(field, "%s.min", where);
	if (yt_number(r->doc, yt_get(m, "min"), field, -1e12, 1e12, &f->min, r->err) < 0)
		return -1;
	FIELD(field, "%s.max", where);
	if (yt_number(r->doc, yt_get(m, "max"), field, -1e12, 1e12, &f->max, r->err) < 0)
		return -1;
	if (!(f->max > f->min))
		return mf_read_fail(r, yt_get(m, "max"), field, "expected max above min (%g)", f->min);
	FIELD(field, "%s.start", where);
	if (yt_number(r->doc, yt_get(m, "start"), field, f->min, f->max, &f->start, r->err) < 0)
		return -1;
	const struct yt_node *search = yt_get(m, "search");
	int scale = 0;
	static const char *const scales[] = {"linear", "log"};
	FIELD(field, "%s.search", where);
	if (search && yt_choice(r->doc, search, field, scales, 2, &scale, r->err) < 0)
		return -1;
	f->log_scale = scale == 1;
	if (f->log_scale && f->min <= 0)
		return mf_read_fail(r, yt_get(m, "min"), where, "a log-scale parameter needs min above 0");
	return 0;
}

/* prior: uniform | log-uniform | {family: normal, mean: M, sd: S} |
 * {family: log-normal, median: M, sdlog: S}. */
static int read_prior(struct reader *r, const struct yt_node *m, const char *where,
		      struct mf_free_parameter *f)
{
	static const char *const families[] = {"uniform", "log-uniform", "normal", "log-normal"};
	char field[96];
	const struct yt_node *prior = yt_get(m, "prior");
	if (!prior)
		return 0;
	const struct yt_node *family = prior;
	FIELD(field, "%s.prior", where);
	if (prior->kind == YT_MAPPING) {
		static const char *const keys[] = {"family", "mean", "sd", "median", "sdlog", "source"};
		if (yt_check_keys(r->doc, prior, keys, 6, field, r->err) < 0)
			return -1;
		family = yt_get(prior, "family");
		if (!family)
			return mf_read_fail(r, prior, field, "missing 'family' (one of uniform, log-uniform, normal, log-normal)");
		FIELD(field, "%s.prior.family", where);
	}
	int which;
	if (yt_choice(r->doc, family, field, families, 4, &which, r->err) < 0)
		return -1;
	f->prior = (enum mf_prior_family)(MF_PRIOR_UNIFORM + which);
	if (f->prior == MF_PRIOR_LOG_UNIFORM && f->min <= 0)
		return mf_read_fail(r, family, field, "a log-uniform prior needs min above 0");
	if (f->prior == MF_PRIOR_UNIFORM || f->prior == MF_PRIOR_LOG_UNIFORM)
		return 0;
	if (prior->kind != YT_MAPPING)
		return mf_read_fail(r, prior, field, "a %s prior needs a mapping: {family: %s, %s}",
				    families[which], families[which],
				    which == 2 ? "mean: M, sd: S" : "median: M, sdlog: S");
	bool normal = f->prior == MF_PRIOR_NORMAL;
	const char *centre = normal ? "mean" : "median", *spread = normal ? "sd" : "sdlog";
	const char *other_centre = normal ? "median" : "mean", *other_spread = normal ? "sdlog" : "sd";
	if (yt_get(prior, other_centre) || yt_get(prior, other_spread))
		return mf_read_fail(r, yt_get(prior, other_centre) ? yt_get(prior, other_centre)
								  : yt_get(prior, other_spread),
				    field, "a %s prior takes '%s' and '%s'", families[which], centre, spread);
	if (!normal && f->min <= 0)
		return mf_read_fail(r, family, field, "a log-normal prior needs min above 0");
	FIELD(field, "%s.prior.%s", where, centre);
	if (!yt_get(prior, centre))
		return mf_read_fail(r, prior, field, "missing '%s'", centre);
	if (yt_number(r->doc, yt_get(prior, centre), field, normal ? -1e12 : 1e-300, 1e12,
		      &f->prior_mean, r->err) < 0)
		return -1;
	FIELD(field, "%s.prior.%s", where, spread);
	if (!yt_get(prior, spread))
		return mf_read_fail(r, prior, field, "missing '%s'", spread);
	if (yt_number(r->doc, yt_get(prior, spread), field, 1e-300, 1e12, &f->prior_sd, r->err) < 0)
		return -1;
	return 0;
}

int mf_read_calibrate(struct reader *r, const struct yt_node *list)
{
	static const char *const keys[] = {"name", "set", "scale", "min", "max", "start", "search", "prior"};
	struct mf_scenario *s = r->s;
	if (yt_expect(r->doc, list, YT_SEQUENCE, "calibrate", r->err) < 0)
		return -1;
	s->free = calloc((size_t)list->n + 1, sizeof(*s->free));
	if (!s->free)
		return mf_error_set(r->err, MF_ERR_NOMEM, "out of memory"), -1;
	for (int i = 0; i < list->n; i++) {
		const struct yt_node *m = list->items[i];
		struct mf_free_parameter *f = &s->free[i];
		char where[48], field[96];
		FIELD(where, "calibrate[%d]", i);
		if (yt_expect(r->doc, m, YT_MAPPING, where, r->err) < 0 ||
		    yt_check_keys(r->doc, m, keys, 8, where, r->err) < 0)
			return -1;
		static const char *const required[] = {"name", "min", "max", "start"};
		if (mf_read_require_keys(r, m, where, required, 4) < 0)
			return -1;
		FIELD(field, "%s.name", where);
		if (yt_string(r->doc, yt_get(m, "name"), field, f->name, sizeof(f->name), r->err) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(s->free[j].name, f->name) == 0)
				return mf_read_fail(r, yt_get(m, "name"), field, "free parameter named twice");
		if (read_path(r, m, where, f) < 0 || read_bounds(r, m, where, f) < 0 ||
		    read_prior(r, m, where, f) < 0)
			return -1;
		mf_text_copy(f->file, sizeof(f->file), m->file);
		f->line = m->line;
		f->column = m->column;
		s->n_free++;
	}
	return 0;
}
