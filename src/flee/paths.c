/* FLEE's candidate routes: every path of up to awareness_level hops from
 * every location (markers not counted, no revisits), enumerated once. */
#include <stdlib.h>

#include "flee.h"

static void *zeroed(size_t count, size_t size)
{
	return calloc(count ? count : 1, size);
}

#define ALLOC(ptr, count) ((ptr) = zeroed((size_t)(count), sizeof(*(ptr))))

struct path_builder {
	struct flee *f;
	int capacity, links_capacity, n_links;
	int stack[16], visited[18];
	int depth, n_visited;
	enum mf_status status;
};

static void add_path(struct path_builder *b, double km)
{
	struct paths *p = &b->f->paths;
	if (b->status != MF_OK)
		return;
	if (p->n + 1 >= b->capacity) {
		int capacity = b->capacity ? 2 * b->capacity : 1024;
		int *offset = realloc(p->link_offset, (size_t)(capacity + 1) * sizeof(int));
		if (offset)
			p->link_offset = offset;
		int *end = realloc(p->end, (size_t)capacity * sizeof(int));
		if (end)
			p->end = end;
		double *lengths = realloc(p->km, (size_t)capacity * sizeof(double));
		if (lengths)
			p->km = lengths;
		if (!offset || !end || !lengths) {
			b->status = MF_ERR_NOMEM;
			return;
		}
		b->capacity = capacity;
	}
	if (b->n_links + b->depth > b->links_capacity) {
		if ((long)b->n_links + b->depth > PATH_LINKS_MAX) {
			b->status = MF_ERR_INPUT;
			return;
		}
		int capacity = b->links_capacity ? 2 * b->links_capacity : 4096;
		int *links = realloc(p->links, (size_t)capacity * sizeof(int));
		if (!links) {
			b->status = MF_ERR_NOMEM;
			return;
		}
		p->links = links;
		b->links_capacity = capacity;
	}
	p->link_offset[p->n] = b->n_links;
	for (int k = 0; k < b->depth; k++)
		p->links[b->n_links++] = b->stack[k];
	p->link_offset[p->n + 1] = b->n_links;
	p->end[p->n] = b->f->link_to[b->stack[b->depth - 1]];
	p->km[p->n] = km;
	p->n++;
}

/* FLEE's recursive route enumeration: link l taken at hop `step` after
 * prior km; visited holds the origin and the locations passed. */
static void enumerate(struct path_builder *b, int l, double prior, int step)
{
	struct flee *f = b->f;
	if (b->status != MF_OK || b->depth >= (int)(sizeof(b->stack) / sizeof(int)))
		return;
	int end = f->link_to[l];
	b->stack[b->depth++] = l;
	double km = prior + f->link_km[l];
	if (f->inst->locations[end].type != MF_FLEE_MARKER)
		add_path(b, km);
	else
		step--; /* markers are not a hop */
	if (f->s->awareness_level > step && b->n_visited < (int)(sizeof(b->visited) / sizeof(int))) {
		b->visited[b->n_visited++] = end;
		for (int k = f->out_first[end]; k < f->out_first[end + 1]; k++) {
			int l2 = f->out_links[k];
			bool seen = false;
			for (int v = 0; v < b->n_visited - 1; v++)
				seen |= b->visited[v] == f->link_to[l2];
			if (!seen)
				enumerate(b, l2, km, step + 1);
		}
		b->n_visited--;
	}
	b->depth--;
}

enum mf_status mf_flee_build_paths(struct flee *f, struct mf_error *err)
{
	struct paths *p = &f->paths;
	struct path_builder b = {.f = f, .status = MF_OK};
	if (!ALLOC(p->first, f->P + 1))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	for (int origin = 0; origin < f->P; origin++) {
		p->first[origin] = p->n;
		for (int k = f->out_first[origin]; k < f->out_first[origin + 1]; k++) {
			b.visited[0] = origin;
			b.n_visited = 1;
			b.depth = 0;
			if (f->s->awareness_level == 0) {
				/* Meant in FLEE as a uniform choice of link (its code
				 * returns an index and agents never move). */
				b.stack[0] = f->out_links[k];
				b.depth = 1;
				add_path(&b, f->link_km[f->out_links[k]]);
				b.depth = 0;
			} else {
				enumerate(&b, f->out_links[k], 0, 1);
			}
		}
	}
	p->first[f->P] = p->n;
	if (b.status == MF_ERR_INPUT)
		return mf_error_set(err, MF_ERR_INPUT,
				    "awareness_level %d gives more than %ld route links on this network",
				    f->s->awareness_level, PATH_LINKS_MAX);
	if (b.status != MF_OK || !ALLOC(f->path_cum, p->n) || !ALLOC(f->path_pick, p->n) ||
	    !ALLOC(f->path_rt, p->n))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	if (p->n == 0 && !p->link_offset && !(p->link_offset = zeroed(1, sizeof(int))))
		return mf_error_set(err, MF_ERR_NOMEM, "out of memory enumerating routes");
	for (int k = 0; k < p->n; k++) {
		f->path_rt[k].offset = p->link_offset[k];
		f->path_rt[k].first_link = p->links[p->link_offset[k]];
		f->path_rt[k].n_links = (uint8_t)(p->link_offset[k + 1] - p->link_offset[k]);
	}
	return MF_OK;
}
