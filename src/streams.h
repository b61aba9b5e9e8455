/* Random streams: which part of the model a counter-based draw belongs to
 * (the `stream` argument of mf_rng_counter). */
#ifndef MF_STREAMS_H
#define MF_STREAMS_H

enum {
	STREAM_MOVE = 0,     /* index = agent slot */
	STREAM_CAPACITY = 1, /* index = agent slot */
	STREAM_SPAWN = 2,    /* index = source */
	STREAM_DISPLACE = 3, /* index = place */
	STREAM_INITIAL = 4,  /* index = agent of the group; day, draw = group */
};

#endif
