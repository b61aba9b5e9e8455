/* The indicators of src/indicators.c on a hand-made day: each one sums the
 * cells its definition names, filters narrow it, a query sums a flow over its
 * window and takes a stock on its last day; the table is complete; the
 * network of a scenario copies its graph. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

/* Three places in three countries and four links:
 * 0 road A -> B, 1 sea B -> C, 2 sea C -> B, 3 desert B -> A; two monitors. */
enum { P = 3, L = 4, M = 2 };
static const int place_country[P] = {0, 1, 2};
static const int link_from[L] = {0, 1, 2, 1};
static const int link_to[L] = {1, 2, 1, 0};
static const int link_mode[L] = {MF_MODE_ROAD, MF_MODE_SEA, MF_MODE_SEA, MF_MODE_DESERT};

static const struct mf_indicator_network network = {
	.n_places = P, .n_links = L, .n_monitors = M, .place_country = place_country,
	.link_from = link_from, .link_to = link_to, .link_mode = link_mode,
};

/* Every cell a power of two, so that a sum tells which cells it took. */
struct day {
	int64_t occupancy[P * MF_INTENT_COUNT], in_transit[L], link_flow[L], spawned[P];
	int64_t arrivals[P], deaths[L], monitor_passes[M * MF_DIR_COUNT];
	int64_t link_arrivals[L], link_interceptions[L];
	struct mf_day_counts counts;
};

static void make_day(struct day *d, int day)
{
	for (int i = 0; i < P * MF_INTENT_COUNT; i++)
		d->occupancy[i] = INT64_C(1) << i;
	for (int i = 0; i < L; i++) {
		d->in_transit[i] = INT64_C(1) << i;
		d->link_flow[i] = INT64_C(1) << (i + 4);
		d->deaths[i] = INT64_C(1) << i;
		d->link_arrivals[i] = INT64_C(1) << (i + 8);
		d->link_interceptions[i] = INT64_C(1) << (i + 12);
	}
	for (int i = 0; i < P; i++) {
		d->spawned[i] = INT64_C(1) << i;
		d->arrivals[i] = INT64_C(1) << (i + 4);
	}
	for (int i = 0; i < M * MF_DIR_COUNT; i++)
		d->monitor_passes[i] = INT64_C(1) << i;
	d->counts = (struct mf_day_counts){
		.day = day, .occupancy = d->occupancy, .in_transit = d->in_transit,
		.link_flow = d->link_flow, .spawned = d->spawned, .arrivals = d->arrivals,
		.deaths = d->deaths, .monitor_passes = d->monitor_passes,
		.link_arrivals = d->link_arrivals, .link_interceptions = d->link_interceptions,
		/* The scalars: the sums of the sea links' interceptions, and others. */
		.interceptions = (INT64_C(1) << 13) + (INT64_C(1) << 14),
		.expulsions = 7, .returns = 11, .destination_arrivals = 13,
	};
}

static int64_t value(enum mf_indicator_id id, struct mf_indicator_filter filter,
		     const struct day *d)
{
	return mf_indicator_value(mf_indicator_get(id), &filter, &network, &d->counts);
}

static struct mf_indicator_filter with(enum mf_indicator_filter_key key, int v)
{
	struct mf_indicator_filter f = MF_FILTER_ALL;
	int *fields[MF_FILTER_COUNT] = {
		[MF_FILTER_DIRECTION] = &f.direction, [MF_FILTER_PLACE] = &f.place,
		[MF_FILTER_COUNTRY] = &f.country, [MF_FILTER_FROM_COUNTRY] = &f.from_country,
		[MF_FILTER_TO_COUNTRY] = &f.to_country, [MF_FILTER_INTENT] = &f.intent,
		[MF_FILTER_MODE] = &f.mode,
	};
	*fields[key] = v;
	return f;
}

static void each_indicator_sums_its_cells(void **state)
{
	struct day d;
	make_day(&d, 0);
	const struct mf_indicator_filter all = MF_FILTER_ALL;
	/* monitor m, direction k is bit m * 3 + k */
	assert_int_equal(value(MF_IND_MONITOR_PASSES, all, &d), 0x3f);
	assert_int_equal(value(MF_IND_MONITOR_PASSES, with(MF_FILTER_DIRECTION, MF_DIR_OUTBOUND), &d),
			 0x2 | 0x10);
	assert_int_equal(value(MF_IND_ARRIVALS, all, &d), 0x70);
	assert_int_equal(value(MF_IND_ARRIVALS, with(MF_FILTER_PLACE, 2), &d), 0x40);
	assert_int_equal(value(MF_IND_DESTINATION_ARRIVALS, all, &d), 13);
	/* sea links 1 (B -> C) and 2 (C -> B): link arrivals bits 9 and 10 */
	assert_int_equal(value(MF_IND_SEA_ARRIVALS, all, &d), 0x600);
	assert_int_equal(value(MF_IND_SEA_ARRIVALS, with(MF_FILTER_FROM_COUNTRY, 1), &d), 0x200);
	assert_int_equal(value(MF_IND_SEA_ARRIVALS, with(MF_FILTER_TO_COUNTRY, 1), &d), 0x400);
	assert_int_equal(value(MF_IND_SEA_ARRIVALS, with(MF_FILTER_FROM_COUNTRY, 0), &d), 0);
	assert_int_equal(value(MF_IND_DEATHS, all, &d), 0xf);
	assert_int_equal(value(MF_IND_DEATHS, with(MF_FILTER_MODE, MF_MODE_SEA), &d), 0x6);
	assert_int_equal(value(MF_IND_DEATHS, with(MF_FILTER_MODE, MF_MODE_DESERT), &d), 0x8);
	assert_int_equal(value(MF_IND_SEA_DEATHS, all, &d), 0x6);
	assert_int_equal(value(MF_IND_SEA_DEATHS, with(MF_FILTER_FROM_COUNTRY, 2), &d), 0x4);
	/* land links 0 (A -> B) and 3 (B -> A): either end counts */
	assert_int_equal(value(MF_IND_LAND_DEATHS, all, &d), 0x9);
	assert_int_equal(value(MF_IND_LAND_DEATHS, with(MF_FILTER_COUNTRY, 0), &d), 0x9);
	assert_int_equal(value(MF_IND_LAND_DEATHS, with(MF_FILTER_COUNTRY, 2), &d), 0);
	/* without a country the day's total, which is the sea links' sum */
	assert_int_equal(value(MF_IND_INTERCEPTIONS, all, &d), 0x6000);
	assert_int_equal(value(MF_IND_INTERCEPTIONS, with(MF_FILTER_FROM_COUNTRY, 1), &d), 0x2000);
	assert_int_equal(value(MF_IND_EXPULSIONS, all, &d), 7);
	assert_int_equal(value(MF_IND_SPAWNED, all, &d), 0x7);
	assert_int_equal(value(MF_IND_RETURNS, all, &d), 11);
	/* place p, intent i is bit p * 4 + i */
	assert_int_equal(value(MF_IND_PRESENT, all, &d), 0xfff);
	assert_int_equal(value(MF_IND_PRESENT, with(MF_FILTER_COUNTRY, 1), &d), 0xf0);
	assert_int_equal(value(MF_IND_PRESENT, with(MF_FILTER_INTENT, MF_INTENT_DISPLACED), &d),
			 0x444);
	struct mf_indicator_filter both = with(MF_FILTER_COUNTRY, 2);
	both.intent = MF_INTENT_RETURN;
	assert_int_equal(value(MF_IND_PRESENT, both, &d), 0x800);
	assert_int_equal(value(MF_IND_IN_TRANSIT, all, &d), 0xf);
}

static void queries_sum_flows_and_take_stocks_on_the_last_day(void **state)
{
	struct mf_indicator_query flow = {
		mf_indicator_get(MF_IND_EXPULSIONS), MF_FILTER_ALL, .first_day = 2, .last_day = 4,
	};
	struct mf_indicator_query stock = {
		mf_indicator_get(MF_IND_IN_TRANSIT), MF_FILTER_ALL, .first_day = 2, .last_day = 4,
	};
	double flows = 0, stocks = 0;
	for (int day = 0; day < 7; day++) {
		struct day d;
		make_day(&d, day);
		d.counts.expulsions = day;
		d.in_transit[0] = 100 * day;
		mf_indicator_query_add_day(&flow, &network, &d.counts, &flows);
		mf_indicator_query_add_day(&stock, &network, &d.counts, &stocks);
	}
	assert_true(flows == 2 + 3 + 4);
	assert_true(stocks == 400 + 0xe);
}

static void the_table_is_complete(void **state)
{
	for (enum mf_indicator_id id = 0; id < MF_IND_COUNT; id++) {
		const struct mf_indicator *ind = mf_indicator_get(id);
		assert_non_null(ind->name);
		assert_non_null(ind->long_name);
		assert_non_null(ind->definition);
		assert_non_null(ind->day_value);
		assert_ptr_equal(mf_indicator_find(ind->name), ind);
		assert_string_equal(ind->units, ind->kind == MF_INDICATOR_FLOW ? "persons per day"
									   : "persons");
		assert_true(ind->filters < 1u << MF_FILTER_COUNT);
	}
	assert_null(mf_indicator_find("monitor_pases"));
	assert_true(mf_indicator_takes(mf_indicator_get(MF_IND_PRESENT), MF_FILTER_INTENT));
	assert_false(mf_indicator_takes(mf_indicator_get(MF_IND_PRESENT), MF_FILTER_MODE));
	assert_string_equal(mf_indicator_filter_name(MF_FILTER_FROM_COUNTRY), "from_country");
	assert_string_equal(mf_indicator_kind_name(MF_INDICATOR_STOCK), "stock");
}

static void a_scenario_network_copies_the_graph(void **state)
{
	char path[512];
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(test_data("small/scenario.yaml", path, sizeof(path)),
						 &err);
	assert_non_null(s);
	struct mf_indicator_network *net = mf_indicator_network_create(s, &err);
	assert_non_null(net);
	const struct mf_graph *g = s->graph;
	assert_int_equal(net->n_places, g->n_places);
	assert_int_equal(net->n_links, g->n_links);
	assert_int_equal(net->n_monitors, s->n_monitors);
	for (int p = 0; p < g->n_places; p++)
		assert_int_equal(net->place_country[p], g->places[p].country_index);
	for (int l = 0; l < g->n_links; l++) {
		assert_int_equal(net->link_from[l], g->links[l].from);
		assert_int_equal(net->link_to[l], g->links[l].to);
		assert_int_equal(net->link_mode[l], (int)g->links[l].mode);
	}
	mf_indicator_network_destroy(net);
	mf_indicator_network_destroy(NULL);
	mf_scenario_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_indicator_sums_its_cells),
		cmocka_unit_test(queries_sum_flows_and_take_stocks_on_the_last_day),
		cmocka_unit_test(the_table_is_complete),
		cmocka_unit_test(a_scenario_network_copies_the_graph),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
