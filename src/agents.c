#include "agents.h"

#include <stdlib.h>

#define FIELDS(X) X(loc) X(goal) X(home) X(timer) X(born) X(state) X(intent) X(attempts) X(flags)

int mf_agents_reserve(struct mf_agents *a, int64_t capacity)
{
	if (capacity <= a->capacity)
		return 0;
	int64_t next = a->capacity ? a->capacity : 1 << 16;
	while (next < capacity)
		next += next / 2;
#define GROW(field)                                                              \
	{                                                                        \
		void *bigger = realloc(a->field, (size_t)next * sizeof(*a->field)); \
		if (!bigger)                                                     \
			return -1;                                               \
		a->field = bigger;                                               \
	}
	FIELDS(GROW)
#undef GROW
	a->capacity = next;
	return 0;
}

void mf_agents_free(struct mf_agents *a)
{
#define FREE(field) free(a->field);
	FIELDS(FREE)
#undef FREE
	*a = (struct mf_agents){0};
}

void mf_agents_compact(struct mf_agents *a)
{
	int64_t kept = 0;
	for (int64_t i = 0; i < a->n; i++) {
		if (a->state[i] >= AGENT_ARRIVED)
			continue;
		if (kept != i) {
#define MOVE(field) a->field[kept] = a->field[i];
			FIELDS(MOVE)
#undef MOVE
		}
		kept++;
	}
	a->n = kept;
}
