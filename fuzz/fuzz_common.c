#define _XOPEN_SOURCE 700
#include "fuzz_common.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void remove_dir(void)
{
	if (dir[0])
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/migflow-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	return dir;
}

void fuzz_path(const char *name, char *buf, size_t size)
{
	if ((size_t)snprintf(buf, size, "%s/%s", fuzz_dir(), name) >= size)
		abort();
}

static void make_parents(char *path)
{
	for (char *slash = strchr(path + strlen(fuzz_dir()) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			abort();
		*slash = '/';
	}
}

void fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	char path[4096];
	fuzz_path(name, path, sizeof(path));
	make_parents(path);
	FILE *f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	if (fclose(f) != 0)
		abort();
}

uint8_t *fuzz_read_data(const char *from, size_t *size)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", MF_FUZZ_DATA, from) >= sizeof(path))
		abort();
	FILE *f = fopen(path, "rb");
	if (!f)
		abort();
	size_t cap = 4096, used = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		abort();
	size_t n;
	while ((n = fread(buf + used, 1, cap - used, f)) > 0) {
		used += n;
		if (used == cap && !(buf = realloc(buf, cap *= 2)))
			abort();
	}
	fclose(f);
	*size = used;
	return buf;
}

void fuzz_copy(const char *from, const char *to)
{
	size_t size;
	uint8_t *data = fuzz_read_data(from, &size);
	fuzz_write(to, data, size);
	free(data);
}
