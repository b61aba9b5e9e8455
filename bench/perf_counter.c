/* Last-level-cache misses from the kernel's perf events, per thread. Virtual
 * machines often do not expose hardware counters; callers then get -1 and
 * print "n/a". */
#define _GNU_SOURCE
#include "bench.h"

#include <linux/perf_event.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int bench_perf_open(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CACHE_MISSES;
	attr.disabled = 1;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	return fd < 0 ? -1 : (int)fd;
}

void bench_perf_start(int fd)
{
	if (fd < 0)
		return;
	ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

int64_t bench_perf_stop(int fd)
{
	if (fd < 0)
		return -1;
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	int64_t value;
	if (read(fd, &value, sizeof(value)) != (ssize_t)sizeof(value))
		return -1;
	return value;
}

void bench_perf_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
