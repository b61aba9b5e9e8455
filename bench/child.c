/* migflow-bench: running a measurement in a child process, so that peak RSS
 * belongs to one measurement and one run's heap does not disturb the next,
 * and the clocks the measurements read (wall, CPU, peak RSS). */
#include "migflow_bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double bench_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds (user + system) of the whole process so far. */
double bench_cpu_seconds(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
	       (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec;
}

long bench_peak_rss_kib(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return usage.ru_maxrss;
}

/* ---- running a measurement in a child process ---- */

static bool write_all(int fd, const void *data, size_t size)
{
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		size -= (size_t)n;
	}
	return true;
}

static bool read_all(int fd, void *data, size_t size)
{
	char *p = data;
	while (size > 0) {
		ssize_t n = read(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		size -= (size_t)n;
	}
	return true;
}

/* Runs fn(arg, result) in a child and copies its result back. */
bool bench_in_child(bench_child_fn fn, const void *arg, void *result, size_t size)
{
	int fds[2];
	if (pipe(fds) < 0)
		return false;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		memset(result, 0, size);
		fn(arg, result);
		_exit(write_all(fds[1], result, size) ? 0 : 1);
	}
	close(fds[1]);
	bool ok = read_all(fds[0], result, size);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void bench_fail_message(char *message, size_t size, const char *what, const struct mf_error *err)
{
	char text[600];
	snprintf(message, size, "%s: %s", what, mf_error_format(err, text, sizeof(text)));
}
