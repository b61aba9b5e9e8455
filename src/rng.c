#include "migflow/rng.h"

#include <math.h>

uint64_t mf_rng_key(uint64_t seed, uint32_t replicate)
{
	/* Two rounds of mixing so that nearby seeds and replicates give
	 * unrelated keys. */
	return mf_rng_mix(mf_rng_mix(seed ^ UINT64_C(0x6a09e667f3bcc909)) +
			  (uint64_t)replicate * UINT64_C(0x9e3779b97f4a7c15));
}

uint32_t mf_rng_threshold(double p)
{
	if (!(p > 0.0))
		return 0;
	if (p >= 1.0)
		return UINT32_MAX;
	return (uint32_t)ldexp(p, 32);
}

/* GSL adapter: the state is a key and a running counter. */
struct gsl_state {
	uint64_t key;
	uint64_t counter;
};

static void gsl_set(void *state, unsigned long seed)
{
	struct gsl_state *s = state;
	s->key = mf_rng_key(seed, 0);
	s->counter = 0;
}

static unsigned long gsl_get(void *state)
{
	struct gsl_state *s = state;
	return (unsigned long)(mf_rng_bits(s->key, s->counter++) >> 32);
}

static double gsl_get_double(void *state)
{
	struct gsl_state *s = state;
	return mf_rng_uniform(mf_rng_bits(s->key, s->counter++));
}

static const gsl_rng_type counter_type = {
	.name = "migflow-counter",
	.max = UINT32_MAX,
	.min = 0,
	.size = sizeof(struct gsl_state),
	.set = gsl_set,
	.get = gsl_get,
	.get_double = gsl_get_double,
};

gsl_rng *mf_rng_gsl_create(void)
{
	return gsl_rng_alloc(&counter_type);
}

void mf_rng_gsl_seek(gsl_rng *rng, uint64_t key, uint64_t counter)
{
	struct gsl_state *s = rng->state;
	s->key = key;
	s->counter = counter;
}
