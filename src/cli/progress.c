/* The progress line: day, date, agents alive, agent-steps per second, ETA. */
#include <time.h>

#include "cli.h"

double progress_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void progress_start(struct progress *p, bool enabled)
{
	p->enabled = enabled;
	p->started = progress_now();
	p->last_drawn = 0;
}

void progress_update(struct progress *p, const struct mf_scenario *scenario, int day_done,
		     int days_total, int64_t agents, uint64_t agent_steps)
{
	if (!p->enabled)
		return;
	double now = progress_now();
	if (now - p->last_drawn < 0.2 && day_done < days_total)
		return;
	p->last_drawn = now;
	double elapsed = now - p->started;
	double rate = elapsed > 0 ? (double)agent_steps / elapsed : 0;
	double eta = day_done > 0 ? elapsed * (days_total - day_done) / day_done : 0;
	char date[11];
	mf_date_format(scenario->start + day_done - 1, date);
	fprintf(stderr, "\r\033[Kday %d/%d  %s  agents %.3gM  %.3g agent-steps/s  ETA %d:%02d",
		day_done, days_total, date, (double)agents / 1e6, rate, (int)eta / 60, (int)eta % 60);
	fflush(stderr);
}

void progress_finish(struct progress *p)
{
	if (p->enabled)
		fprintf(stderr, "\r\033[K");
}
