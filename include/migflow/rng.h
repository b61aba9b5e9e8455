/* Counter-based random numbers.
 *
 * A draw is a pure function of a key (from seed and replicate) and a counter
 * (day, stream, index, draw number): no state is carried from one draw to the
 * next, so results do not depend on the number of threads or on the order in
 * which agents are stepped, and any replicate can be rerun alone. The mixing
 * function is the SplitMix64 finaliser applied to key + counter * gamma. */
#ifndef MIGFLOW_RNG_H
#define MIGFLOW_RNG_H

#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Key of a (seed, replicate) pair. */
uint64_t mf_rng_key(uint64_t seed, uint32_t replicate);

static inline uint64_t mf_rng_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Counter of draw `draw` (0..255) for agent slot `index` (< 2^32) on day
 * `day` (0..65535) in stream `stream` (0..255). Unique per argument tuple. */
static inline uint64_t mf_rng_counter(uint32_t day, uint32_t stream,
				      uint64_t index, uint32_t draw)
{
	return index | ((uint64_t)(draw & 0xff) << 32) |
	       ((uint64_t)(stream & 0xff) << 40) | ((uint64_t)(day & 0xffff) << 48);
}

/* 64 random bits for (key, counter). */
static inline uint64_t mf_rng_bits(uint64_t key, uint64_t counter)
{
	return mf_rng_mix(key + counter * UINT64_C(0x9e3779b97f4a7c15));
}

/* Probability p in [0, 1] as a 32-bit threshold t: a draw u32 "happens"
 * when u32 < t. p = 1 maps to UINT32_MAX (happens with probability
 * 1 - 2^-32, accepted for speed) and is treated as certain by callers
 * that test p >= 1 first. */
uint32_t mf_rng_threshold(double p);

/* Uniform double in [0, 1) from 53 of the bits. */
static inline double mf_rng_uniform(uint64_t bits)
{
	return (double)(bits >> 11) * 0x1.0p-53;
}

/* A GSL generator whose numbers come from the counter-based stream that
 * starts at (key, counter). Lets GSL's distributions (Poisson, binomial)
 * draw from a reproducible, addressable stream. Caller frees with
 * gsl_rng_free. Returns NULL when out of memory. */
gsl_rng *mf_rng_gsl_create(void);

/* Re-keys a generator made by mf_rng_gsl_create. */
void mf_rng_gsl_seek(gsl_rng *rng, uint64_t key, uint64_t counter);

#endif
