/* Agent storage: structure of arrays, 14 bytes per agent. An agent is
 * addressed by its slot; slots of agents that left the model are reclaimed
 * by mf_agents_compact, which keeps the order of the others. */
#ifndef MF_AGENTS_H
#define MF_AGENTS_H

#include <stdint.h>

enum agent_state {
	AGENT_AT_PLACE,  /* loc = place, timer = day of arrival */
	AGENT_ON_LINK,   /* loc = link, timer = day of arrival at its end */
	AGENT_REQUEST,   /* loc = capacity-limited link asked for today */
	AGENT_ARRIVED,   /* reached the destination: out of the model */
	AGENT_DEAD,
	AGENT_LEFT,      /* went home: out of the model */
};

enum agent_flag {
	AGENT_ABROAD = 1, /* has been outside its home country */
};

struct mf_agents {
	int64_t n, capacity;
	uint16_t *loc;      /* place or link index, by state */
	uint16_t *goal;     /* place the agent heads for */
	uint16_t *home;     /* place it comes from */
	uint16_t *timer;    /* a day index, by state */
	uint16_t *born;     /* day it entered the model */
	uint8_t *state;     /* enum agent_state */
	uint8_t *intent;    /* enum mf_intent */
	uint8_t *attempts;  /* sea crossings tried */
	uint8_t *flags;     /* enum agent_flag */
};

#define MF_AGENT_BYTES (5 * 2 + 4 * 1)

/* Makes room for at least `capacity` agents; 0 or -1 when out of memory. */
int mf_agents_reserve(struct mf_agents *agents, int64_t capacity);

/* Frees the arrays (not the struct). */
void mf_agents_free(struct mf_agents *agents);

/* Removes agents that left the model (arrived, dead, left), keeping order. */
void mf_agents_compact(struct mf_agents *agents);

#endif
