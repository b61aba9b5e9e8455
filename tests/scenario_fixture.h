/* The scratch directory and helpers that the scenario reader's tests share
 * (test_scenario.c, test_scenario_errors.c, test_scenario_extends.c): each
 * executable's group writes its scenarios under a fresh directory in /tmp,
 * loads them and checks their errors. Header-only, like support.h, so that
 * each test stays one source file. Includers define _DEFAULT_SOURCE before
 * any system header (realpath(3)) and include cmocka.h before this. */
#ifndef MF_TEST_SCENARIO_FIXTURE_H
#define MF_TEST_SCENARIO_FIXTURE_H

#ifndef _DEFAULT_SOURCE
#error "scenario_fixture.h needs _DEFAULT_SOURCE (realpath) defined before any system header"
#endif

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migflow/scenario.h"
#include "tree.h"

#define PATH_SIZE 1024
#define TEXT_SIZE 8192

/* Five lines every bad scenario starts with; "@DATA@" stands for the
 * directory of the small test network. */
#define HEAD                                                                      \
	"name: bad\n"                                                             \
	"start: 2024-01-01\n"                                                     \
	"days: 30\n"                                                              \
	"network: {places: @DATA@/places.csv, links: @DATA@/links.csv}\n"         \
	"destination: island\n"

struct scratch {
	char dir[256];
	char data[PATH_SIZE]; /* tests/data/small */
	int cases;
};

static inline int group_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-scenario-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	const char *data = getenv("MIGFLOW_TEST_DATA");
	snprintf(s->data, sizeof(s->data), "%s/small", data ? data : "tests/data");
	/* Absolute, so that scenarios in any directory can name it. */
	char real[PATH_MAX];
	if (realpath(s->data, real))
		snprintf(s->data, sizeof(s->data), "%s", real);
	*state = s;
	return 0;
}

static inline int group_teardown(void **state)
{
	struct scratch *s = *state;
	remove_tree(s->dir);
	free(s);
	return 0;
}

/* Writes n bytes as scenario.yaml in a fresh directory; path into path. */
static inline void write_scenario_bytes(void **state, const char *bytes, size_t n, char *path)
{
	struct scratch *s = *state;
	char dir[PATH_SIZE];
	snprintf(dir, sizeof(dir), "%s/case%d", s->dir, s->cases++);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, PATH_SIZE, "%s/scenario.yaml", dir);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, n, file), n);
	assert_int_equal(fclose(file), 0);
}

/* Writes text with @DATA@ replaced by the small network's directory. */
static inline void write_scenario(void **state, const char *text, char *path)
{
	struct scratch *s = *state;
	char *out = malloc(TEXT_SIZE);
	assert_non_null(out);
	size_t used = 0;
	for (const char *p = text; *p;) {
		const char *mark = strstr(p, "@DATA@");
		size_t chunk = mark ? (size_t)(mark - p) : strlen(p);
		assert_true(used + chunk + strlen(s->data) < TEXT_SIZE);
		memcpy(out + used, p, chunk);
		used += chunk;
		p += chunk;
		if (mark) {
			memcpy(out + used, s->data, strlen(s->data));
			used += strlen(s->data);
			p += strlen("@DATA@");
		}
	}
	write_scenario_bytes(state, out, used, path);
	free(out);
}

static inline bool ends_with(const char *text, const char *end)
{
	size_t n = strlen(text), m = strlen(end);
	return n >= m && strcmp(text + n - m, end) == 0;
}

static inline void check_error(const char *path, const struct mf_error *err, int line, int column,
			const char *field, const char *message_part)
{
	assert_int_equal(err->code, MF_ERR_INPUT);
	if (!ends_with(err->file, "scenario.yaml"))
		fail_msg("error names '%s', not %s: %s", err->file, path, err->message);
	assert_int_equal(err->line, line);
	assert_int_equal(err->column, column);
	if (field)
		assert_string_equal(err->field, field);
	if (!strstr(err->message, message_part))
		fail_msg("message '%s' lacks '%s'", err->message, message_part);
}

/* Creates the directories of relative (a path under the scratch directory). */
static inline void make_parents(const struct scratch *s, const char *relative)
{
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/%s", s->dir, relative);
	for (char *slash = strchr(path + strlen(s->dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) != 0)
			assert_true(access(path, F_OK) == 0);
		*slash = '/';
	}
}

/* Writes text, with @DATA@ replaced by the small network's directory, to
 * relative (under the scratch directory); its full path into path. */
static inline void write_file(void **state, const char *relative, const char *text, char *path)
{
	struct scratch *s = *state;
	make_parents(s, relative);
	snprintf(path, PATH_SIZE, "%s/%s", s->dir, relative);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	for (const char *p = text; *p;) {
		const char *mark = strstr(p, "@DATA@");
		size_t chunk = mark ? (size_t)(mark - p) : strlen(p);
		assert_int_equal(fwrite(p, 1, chunk, file), chunk);
		p += chunk;
		if (mark) {
			fputs(s->data, file);
			p += strlen("@DATA@");
		}
	}
	assert_int_equal(fclose(file), 0);
}

/* The text of a file (caller frees). */
static inline char *read_text(const char *path)
{
	FILE *file = fopen(path, "rb");
	if (!file)
		fail_msg("cannot open %s", path);
	size_t size = 1 << 16, n = 0;
	char *text = malloc(size);
	assert_non_null(text);
	n = fread(text, 1, size - 1, file);
	fclose(file);
	assert_true(n < size - 1);
	text[n] = '\0';
	return text;
}

/* Copies the small network's places.csv and links.csv into relative_dir;
 * in links.csv, `from` is replaced by `to` when both are given. */
static inline void copy_small_network(void **state, const char *relative_dir, const char *from, const char *to)
{
	struct scratch *s = *state;
	const char *names[2] = {"places.csv", "links.csv"};
	for (int i = 0; i < 2; i++) {
		char source[PATH_SIZE], relative[PATH_SIZE], path[PATH_SIZE];
		snprintf(source, sizeof(source), "%s/%s", s->data, names[i]);
		char *text = read_text(source);
		if (i == 1 && from) {
			char *at = strstr(text, from);
			assert_non_null(at);
			assert_true(strlen(to) == strlen(from));
			memcpy(at, to, strlen(to));
		}
		snprintf(relative, sizeof(relative), "%s/%s", relative_dir, names[i]);
		write_file(state, relative, text, path);
		free(text);
	}
}

static inline struct mf_scenario *load_ok(const char *path)
{
	struct mf_error err = {0};
	struct mf_scenario *s = mf_scenario_load(path, &err);
	if (!s) {
		char text[1024];
		fail_msg("%s failed to load: %s", path, mf_error_format(&err, text, sizeof(text)));
	}
	return s;
}

static inline void assert_same_file(const char *a, const char *b)
{
	char real_a[PATH_MAX], real_b[PATH_MAX];
	if (!realpath(a, real_a) || !realpath(b, real_b))
		fail_msg("cannot resolve '%s' or '%s'", a, b);
	if (strcmp(real_a, real_b) != 0)
		fail_msg("'%s' is not '%s'", real_a, real_b);
}

static const char *const parent_yaml =
	"# A parent scenario\n"
	"name: parent\n"
	"description: the parent\n"
	"start: 2024-01-01\n"
	"days: 60\n"
	"seed: 9\n"
	"network:\n"
	"  places: net/places.csv\n"
	"  links: net/links.csv\n"
	"destination: island\n"
	"parameters:\n"
	"  displacement_rate: 0.001\n"
	"  safe_security: 0.5\n"
	"  wait_days:\n"
	"    hub: {circular: 4, onward: 6}\n"
	"  speed_km_per_day: {road: 400}\n"
	"sources:\n"
	"  - {place: home, intent: onward, rate: 100}\n"
	"  - {place: unrest, intent: onward, rate: 50}\n"
	"events:\n"
	"  - {date: 2024-01-10, kind: closure, link: [work, coast]}\n"
	"  - {date: 2024-01-20, kind: reopen, link: [work, coast]}\n";

static const char *const child_yaml =
	"# A child in another directory\n"
	"extends: ../base/parent.yaml\n"
	"name: child\n"
	"parameters:\n"
	"  safe_security: 0.7\n"
	"  wait_days:\n"
	"    hub: {onward: 9}\n"
	"sources:\n"
	"  - {place: home, intent: circular, rate: 7, goals: {work: 1}}\n"
	"events:\n"
	"  - {date: 2024-01-10, kind: fare, link: [hub, post], usd: 10}\n"
	"  - {date: 2024-01-05, kind: security, where: unrest, level: 0.2}\n";

#endif
