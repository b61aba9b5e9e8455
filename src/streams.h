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
	STREAM_SCHEDULE = 5, /* index = agent slot; draw = SCHEDULE_* below */
	/* The FLEE rule set (src/flee/) draws STREAM_MOVE (index = agent slot)
	 * and these: */
	STREAM_FLEE_SPAWN = 1, /* index = agent slot: where it starts */
	STREAM_FLEE_STAY = 2,  /* index = pair of agent slots: whether each leaves */
};

/* Draw numbers of STREAM_SCHEDULE: why an agent's next decision is drawn. */
enum {
	SCHEDULE_AFTER_STEP = 0,     /* arrived, expelled, intercepted or decided today */
	SCHEDULE_REFUSED = 1,        /* turned away by a capacity-limited link */
	SCHEDULE_SPAWNED = 2,        /* entered the model today */
	SCHEDULE_CHANGED = 3,        /* the bound H of its place changed today */
};

#endif
