/* Tests of the counter-based random numbers: keys, counters, the mixing
 * function (with regression values), the distribution of uniforms, the
 * probability thresholds and the GSL adapter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "migflow/rng.h"

#define N_DRAWS 1000000

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Whether the n values are pairwise distinct (sorts them). */
static bool all_distinct(uint64_t *values, size_t n)
{
	qsort(values, n, sizeof(*values), compare_u64);
	for (size_t i = 1; i < n; i++)
		if (values[i] == values[i - 1])
			return false;
	return true;
}

static void test_mix_reference(void **state)
{
	(void)state;
	/* The SplitMix64 finaliser: the first two outputs of SplitMix64 seeded
	 * with 0 are published reference values. */
	assert_true(mf_rng_mix(UINT64_C(0x9e3779b97f4a7c15)) == UINT64_C(0xe220a8397b1dcdaf));
	assert_true(mf_rng_mix(UINT64_C(0x3c6ef372fe94f82a)) == UINT64_C(0x6e789e6aa1b965f4));
}

static void test_key(void **state)
{
	(void)state;
	assert_true(mf_rng_key(42, 0) == mf_rng_key(42, 0));
	assert_true(mf_rng_key(42, 0) != mf_rng_key(43, 0));
	assert_true(mf_rng_key(42, 0) != mf_rng_key(42, 1));
	assert_true(mf_rng_key(0, 1) != mf_rng_key(1, 0));
	/* Regression values: a change here changes every published run. */
	assert_true(mf_rng_key(42, 0) == UINT64_C(0x735743764450b1b3));
	assert_true(mf_rng_key(0, 0) == UINT64_C(0x8359fff62713a185));
	assert_true(mf_rng_key(42, 1) == UINT64_C(0x8ca10b1dbe91ee23));

	/* Nearby seeds and replicates give distinct keys. */
	enum { SEEDS = 200, REPLICATES = 50 };
	uint64_t *keys = malloc(SEEDS * REPLICATES * sizeof(*keys));
	assert_non_null(keys);
	size_t n = 0;
	for (uint64_t seed = 0; seed < SEEDS; seed++)
		for (uint32_t replicate = 0; replicate < REPLICATES; replicate++)
			keys[n++] = mf_rng_key(seed, replicate);
	assert_true(all_distinct(keys, n));
	free(keys);
	assert_true(mf_rng_key(UINT64_MAX, UINT32_MAX) != mf_rng_key(UINT64_MAX, 0));
}

static void test_counter_unique(void **state)
{
	(void)state;
	static const uint32_t days[] = {0, 1, 2, 7, 365, 366, 40000, 65535};
	static const uint32_t streams[] = {0, 1, 2, 3, 128, 254, 255};
	static const uint64_t indices[] = {0, 1, 2, 255, 256, 65535, 65536, 1000003,
					   UINT32_MAX - 1, UINT32_MAX};
	static const uint32_t draws[] = {0, 1, 2, 127, 254, 255};
	enum {
		N_DAYS = sizeof(days) / sizeof(*days),
		N_STREAMS = sizeof(streams) / sizeof(*streams),
		N_INDICES = sizeof(indices) / sizeof(*indices),
		N_DRAW_NUMBERS = sizeof(draws) / sizeof(*draws),
		N_TUPLES = N_DAYS * N_STREAMS * N_INDICES * N_DRAW_NUMBERS,
	};
	uint64_t *counters = malloc(N_TUPLES * sizeof(*counters));
	assert_non_null(counters);
	size_t n = 0;
	for (int d = 0; d < N_DAYS; d++)
		for (int s = 0; s < N_STREAMS; s++)
			for (int i = 0; i < N_INDICES; i++)
				for (int k = 0; k < N_DRAW_NUMBERS; k++)
					counters[n++] = mf_rng_counter(days[d], streams[s], indices[i], draws[k]);
	assert_int_equal(n, N_TUPLES);
	assert_true(all_distinct(counters, n));
	free(counters);

	assert_true(mf_rng_counter(3, 2, 1, 0) == mf_rng_counter(3, 2, 1, 0));
	assert_true(mf_rng_counter(0, 0, 0, 0) == 0);
	/* Each part lands in its own bits. */
	assert_true(mf_rng_counter(0, 0, 0, 1) == UINT64_C(1) << 32);
	assert_true(mf_rng_counter(0, 1, 0, 0) == UINT64_C(1) << 40);
	assert_true(mf_rng_counter(1, 0, 0, 0) == UINT64_C(1) << 48);
}

static void test_bits_deterministic(void **state)
{
	(void)state;
	uint64_t key = mf_rng_key(42, 0);
	/* Regression values, computed once (and checked against an
	 * independent Python implementation of the documented formula). */
	static const uint64_t expected[4] = {
		UINT64_C(0xade01f410cceca6f), UINT64_C(0xf53fa6463b44cd85),
		UINT64_C(0xfd97ad4ccc6b521c), UINT64_C(0x67fc2bcb7fa92d93),
	};
	static const double expected_uniform[4] = {
		0.67920108163962845, 0.95800246443401982, 0.99059565663303073, 0.40619157522420279,
	};
	for (int i = 0; i < 4; i++) {
		uint64_t bits = mf_rng_bits(key, mf_rng_counter(0, 0, (uint64_t)i, 0));
		assert_true(bits == expected[i]);
		assert_true(bits == mf_rng_bits(key, mf_rng_counter(0, 0, (uint64_t)i, 0)));
		assert_true(mf_rng_uniform(bits) == expected_uniform[i]);
	}
	uint64_t bits = mf_rng_bits(key, mf_rng_counter(17, 3, 12345, 2));
	assert_true(bits == UINT64_C(0x86a377cbf188bcaa));
	assert_true(mf_rng_uniform(bits) == 0.52593182305421038);

	/* A different key or counter gives different bits. */
	assert_true(mf_rng_bits(key, 1) != mf_rng_bits(key, 2));
	assert_true(mf_rng_bits(key, 1) != mf_rng_bits(mf_rng_key(42, 1), 1));
}

static void test_uniform_range(void **state)
{
	(void)state;
	assert_true(mf_rng_uniform(0) == 0.0);
	assert_true(mf_rng_uniform(UINT64_MAX) < 1.0);
	assert_true(mf_rng_uniform(UINT64_MAX) == 1.0 - 0x1.0p-53);
	assert_true(mf_rng_uniform(UINT64_C(1) << 63) == 0.5);
}

/* Uniforms along each part of the counter in turn. */
static double uniform_at(uint64_t key, int axis, uint64_t i)
{
	uint64_t counter;
	switch (axis) {
	case 0: counter = mf_rng_counter(5, 1, i, 0); break;                   /* agents */
	case 1: counter = mf_rng_counter((uint32_t)(i % 65536), 2, i / 65536, 0); break; /* days */
	default: counter = mf_rng_counter(9, (uint32_t)(i % 256), i / 256, 1); break;  /* streams */
	}
	return mf_rng_uniform(mf_rng_bits(key, counter));
}

static void test_uniform_moments(void **state)
{
	(void)state;
	uint64_t key = mf_rng_key(2024, 3);
	for (int axis = 0; axis < 3; axis++) {
		double sum = 0, sum_squares = 0, low = 1, high = 0;
		for (uint64_t i = 0; i < N_DRAWS; i++) {
			double u = uniform_at(key, axis, i);
			assert_true(u >= 0.0 && u < 1.0);
			sum += u;
			sum_squares += u * u;
			low = u < low ? u : low;
			high = u > high ? u : high;
		}
		double mean = sum / N_DRAWS;
		double variance = sum_squares / N_DRAWS - mean * mean;
		/* Standard errors: 2.9e-4 for the mean, 7.5e-5 for the variance;
		 * the bounds are about 5 of them. */
		assert_true(fabs(mean - 0.5) < 0.0015);
		assert_true(fabs(variance - 1.0 / 12.0) < 0.0004);
		assert_true(low < 1e-5);
		assert_true(high > 1 - 1e-5);
	}
}

static void test_uniform_chi_square(void **state)
{
	(void)state;
	enum { BINS = 16 };
	uint64_t key = mf_rng_key(7, 0);
	for (int axis = 0; axis < 3; axis++) {
		long count[BINS] = {0};
		for (uint64_t i = 0; i < N_DRAWS; i++)
			count[(int)(uniform_at(key, axis, i) * BINS)]++;
		double expected = (double)N_DRAWS / BINS, chi_square = 0;
		for (int b = 0; b < BINS; b++)
			chi_square += (count[b] - expected) * (count[b] - expected) / expected;
		/* 15 degrees of freedom: P(chi2 < 4.60) = P(chi2 > 37.7) = 0.001.
		 * Too good a fit would be as suspicious as too bad a one. */
		assert_true(chi_square > 4.60);
		assert_true(chi_square < 37.7);
	}
}

static void test_threshold(void **state)
{
	(void)state;
	assert_int_equal(mf_rng_threshold(0.0), 0);
	assert_true(mf_rng_threshold(1.0) == UINT32_MAX);
	assert_true(mf_rng_threshold(0.5) == UINT32_C(1) << 31);
	assert_true(mf_rng_threshold(0.25) == UINT32_C(1) << 30);
	assert_int_equal(mf_rng_threshold(-0.5), 0);
	assert_int_equal(mf_rng_threshold(-0.0), 0);
	assert_int_equal(mf_rng_threshold(NAN), 0);
	assert_int_equal(mf_rng_threshold(-INFINITY), 0);
	assert_true(mf_rng_threshold(1.5) == UINT32_MAX);
	assert_true(mf_rng_threshold(INFINITY) == UINT32_MAX);
	assert_true(mf_rng_threshold(nextafter(1.0, 0.0)) == UINT32_MAX);
	assert_true(mf_rng_threshold(0x1.0p-32) == 1);
	/* Monotone in p. */
	uint32_t previous = 0;
	for (int i = 0; i <= 1000; i++) {
		uint32_t t = mf_rng_threshold(i / 1000.0);
		assert_true(t >= previous);
		previous = t;
	}
	/* A Bernoulli draw with the threshold happens at the right rate. */
	uint64_t key = mf_rng_key(11, 0);
	uint32_t t = mf_rng_threshold(0.3);
	long hits = 0;
	for (uint64_t i = 0; i < N_DRAWS; i++)
		hits += (uint32_t)(mf_rng_bits(key, mf_rng_counter(1, 4, i, 0)) >> 32) < t;
	assert_true(fabs((double)hits / N_DRAWS - 0.3) < 0.0025);
}

static void test_gsl_adapter(void **state)
{
	(void)state;
	gsl_rng *a = mf_rng_gsl_create(), *b = mf_rng_gsl_create();
	assert_non_null(a);
	assert_non_null(b);
	assert_true(gsl_rng_min(a) == 0);
	assert_true(gsl_rng_max(a) == UINT32_MAX);

	uint64_t key = mf_rng_key(42, 0), counter = mf_rng_counter(3, 7, 99, 0);
	unsigned long first[64];
	mf_rng_gsl_seek(a, key, counter);
	mf_rng_gsl_seek(b, key, counter);
	for (int i = 0; i < 64; i++) {
		first[i] = gsl_rng_get(a);
		assert_true(first[i] == gsl_rng_get(b));
		assert_true(first[i] <= UINT32_MAX);
	}
	/* The stream is the counter-based one: draw i uses counter + i. */
	for (int i = 0; i < 64; i++)
		assert_true(first[i] == (unsigned long)(mf_rng_bits(key, counter + (uint64_t)i) >> 32));
	/* Seeking back replays the stream; uniforms come from the same
	 * addresses. */
	mf_rng_gsl_seek(a, key, counter);
	for (int i = 0; i < 64; i++)
		assert_true(gsl_rng_get(a) == first[i]);
	mf_rng_gsl_seek(a, key, counter);
	double u = gsl_rng_uniform(a);
	assert_true(u == mf_rng_uniform(mf_rng_bits(key, counter)));

	/* A different counter or key gives a different sequence. */
	mf_rng_gsl_seek(b, key, mf_rng_counter(3, 7, 100, 0));
	int same = 0;
	mf_rng_gsl_seek(a, key, counter);
	for (int i = 0; i < 64; i++)
		same += gsl_rng_get(a) == gsl_rng_get(b);
	assert_true(same < 2);
	mf_rng_gsl_seek(b, mf_rng_key(43, 0), counter);
	mf_rng_gsl_seek(a, key, counter);
	same = 0;
	for (int i = 0; i < 64; i++)
		same += gsl_rng_get(a) == gsl_rng_get(b);
	assert_true(same < 2);

	/* gsl_rng_set seeds through mf_rng_key(seed, 0) and counter 0. */
	gsl_rng_set(a, 42);
	mf_rng_gsl_seek(b, mf_rng_key(42, 0), 0);
	for (int i = 0; i < 16; i++)
		assert_true(gsl_rng_get(a) == gsl_rng_get(b));
	gsl_rng_free(a);
	gsl_rng_free(b);
}

static void test_gsl_distributions(void **state)
{
	(void)state;
	gsl_rng *rng = mf_rng_gsl_create();
	assert_non_null(rng);
	static const double means[] = {0.2, 3.5, 40.0, 250.0};
	enum { N = 200000 };
	for (size_t m = 0; m < sizeof(means) / sizeof(*means); m++) {
		mf_rng_gsl_seek(rng, mf_rng_key(99, (uint32_t)m), mf_rng_counter(0, 9, 0, 0));
		double sum = 0, sum_squares = 0;
		for (int i = 0; i < N; i++) {
			double k = gsl_ran_poisson(rng, means[m]);
			sum += k;
			sum_squares += k * k;
		}
		double mean = sum / N, variance = sum_squares / N - mean * mean;
		/* Standard error of the mean: sqrt(mu / N); allow 5 of them. */
		assert_true(fabs(mean - means[m]) < 5 * sqrt(means[m] / N));
		assert_true(fabs(variance / means[m] - 1) < 0.05);
	}
	/* Reproducible: the same address gives the same Poisson draws. */
	unsigned int draws[32];
	mf_rng_gsl_seek(rng, 5, 77);
	for (int i = 0; i < 32; i++)
		draws[i] = gsl_ran_poisson(rng, 12.0);
	mf_rng_gsl_seek(rng, 5, 77);
	for (int i = 0; i < 32; i++)
		assert_int_equal(gsl_ran_poisson(rng, 12.0), draws[i]);
	/* A binomial mean, as the spawning and hazards use. */
	mf_rng_gsl_seek(rng, mf_rng_key(1, 1), 0);
	double sum = 0;
	for (int i = 0; i < N; i++)
		sum += gsl_ran_binomial(rng, 0.03, 500);
	assert_true(fabs(sum / N - 15.0) < 5 * sqrt(500 * 0.03 * 0.97 / N));
	gsl_rng_free(rng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mix_reference),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_counter_unique),
		cmocka_unit_test(test_bits_deterministic),
		cmocka_unit_test(test_uniform_range),
		cmocka_unit_test(test_uniform_moments),
		cmocka_unit_test(test_uniform_chi_square),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_gsl_adapter),
		cmocka_unit_test(test_gsl_distributions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
