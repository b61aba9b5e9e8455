/* The flat entry point for bindings (migflow/embed.h) on the small world:
 * the scenario given as YAML text runs as its file (extends and network
 * files relative to base_dir); an error in the text names base_dir/<text>
 * with its line, column and field; parameter overrides change the run as
 * the same value in the scenario does, and an unknown one is refused by
 * name; progress sees every day, cancelling leaves no file; the targets
 * table is written when the scenario names targets. The Python tests
 * (tests/test_bindings.py) check the same through ctypes; this one runs
 * under the sanitizers too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support.h"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *text = calloc(1, 1 << 20);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

static void run_or_fail(const struct mf_embed_options *o, const char *out)
{
	struct mf_error err = {0};
	if (mf_embed_run(o, out, &err) != MF_OK) {
		char text[1024];
		fail_msg("%s", mf_error_format(&err, text, sizeof(text)));
	}
}

/* occupancy of the file at path, and its element count in *n. */
static int64_t *occupancy(const char *path, size_t *n)
{
	struct mf_error err = {0};
	struct mf_reader *r = mf_reader_open(path, &err);
	assert_non_null(r);
	struct mf_shape shape;
	int64_t *values = NULL;
	assert_int_equal(mf_reader_read_int64(r, "occupancy", &shape, &values, &err), MF_OK);
	*n = 1;
	for (int a = 0; a < shape.rank; a++)
		*n *= shape.dims[a];
	mf_reader_close(r);
	return values;
}

static bool same_occupancy(const char *a, const char *b)
{
	size_t na, nb;
	int64_t *va = occupancy(a, &na), *vb = occupancy(b, &nb);
	bool same = na == nb && memcmp(va, vb, na * sizeof(*va)) == 0;
	free(va);
	free(vb);
	return same;
}

static void text_runs_as_its_file(void **state)
{
	struct scratch s;
	scratch_open(&s);
	char small[512], dir[512], a[600], b[600];
	test_data("small/scenario.yaml", small, sizeof(small));
	test_data("small", dir, sizeof(dir));
	scratch_path(&s, "file.h5", a, sizeof(a));
	scratch_path(&s, "text.h5", b, sizeof(b));
	struct mf_embed_options o = {.scenario = small, .days = 20, .threads = 1};
	run_or_fail(&o, a);
	char *text = read_text(small);
	o = (struct mf_embed_options){.scenario = text, .text = 1, .base_dir = dir, .days = 20,
				      .threads = 1};
	run_or_fail(&o, b);
	assert_true(same_occupancy(a, b));
	/* extends resolved from base_dir */
	o.scenario = "extends: scenario.yaml\nseed: 42\n";
	run_or_fail(&o, b);
	assert_true(same_occupancy(a, b));
	free(text);
	scratch_close(&s);
}

static void text_errors_have_positions(void **state)
{
	char dir[512];
	test_data("small", dir, sizeof(dir));
	struct mf_embed_options o = {.scenario = "extends: scenario.yaml\nseed: [1, 2]\n",
				     .text = 1, .base_dir = dir};
	struct mf_error err = {0};
	assert_int_equal(mf_embed_check(&o, &err), MF_ERR_INPUT);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 7);
	assert_string_equal(err.field, "seed");
	char expected[600];
	snprintf(expected, sizeof(expected), "%s/<text>", dir);
	assert_string_equal(err.file, expected);
	o.scenario = "extends: no-such.yaml\nname: x\n";
	mf_error_clear(&err);
	assert_int_equal(mf_embed_check(&o, &err), MF_ERR_INPUT);
	assert_string_equal(err.field, "extends");
	assert_int_equal(err.line, 1);
}

static void overrides_as_the_scenario(void **state)
{
	struct scratch s;
	scratch_open(&s);
	char small[512], dir[512], a[600], b[600], c[600];
	test_data("small/scenario.yaml", small, sizeof(small));
	test_data("small", dir, sizeof(dir));
	scratch_path(&s, "override.h5", a, sizeof(a));
	scratch_path(&s, "block.h5", b, sizeof(b));
	scratch_path(&s, "base.h5", c, sizeof(c));
	const char *names[] = {"displacement_rate"};
	const double values[] = {0.004};
	struct mf_embed_options o = {.scenario = small, .days = 40, .threads = 1,
				     .parameter_names = names, .parameter_values = values,
				     .n_parameters = 1};
	run_or_fail(&o, a);
	struct mf_embed_options block = {
		.scenario = "extends: scenario.yaml\nparameters:\n  displacement_rate: 0.004\n",
		.text = 1, .base_dir = dir, .days = 40, .threads = 1};
	run_or_fail(&block, b);
	assert_true(same_occupancy(a, b));
	o.n_parameters = 0;
	run_or_fail(&o, c);
	assert_false(same_occupancy(a, c));
	const char *unknown[] = {"no_such_parameter"};
	o.parameter_names = unknown;
	o.n_parameters = 1;
	struct mf_error err = {0};
	assert_int_equal(mf_embed_run(&o, a, &err), MF_ERR_INPUT);
	assert_non_null(strstr(err.message, "no_such_parameter"));
	scratch_close(&s);
}

struct watch {
	int days_seen, stop_at;
};

static void on_progress(void *user, int run, int day, int days, int64_t alive)
{
	struct watch *w = user;
	w->days_seen++;
	assert_true(day >= 1 && day <= days && alive > 0);
}

static int on_cancelled(void *user)
{
	struct watch *w = user;
	return w->stop_at && w->days_seen >= w->stop_at;
}

static void progress_and_cancel(void **state)
{
	struct scratch s;
	scratch_open(&s);
	char small[512], out[600], partial[620];
	test_data("small/scenario.yaml", small, sizeof(small));
	scratch_path(&s, "run.h5", out, sizeof(out));
	snprintf(partial, sizeof(partial), "%s.partial", out);
	struct watch w = {0};
	struct mf_embed_options o = {.scenario = small, .days = 15, .replicates = 2, .threads = 1,
				     .progress = on_progress, .cancelled = on_cancelled, .user = &w};
	run_or_fail(&o, out);
	assert_int_equal(w.days_seen, 30);
	assert_int_equal(unlink(out), 0);
	w = (struct watch){.stop_at = 5};
	struct mf_error err = {0};
	assert_int_equal(mf_embed_run(&o, out, &err), MF_ERR_CANCELLED);
	assert_int_equal(w.days_seen, 5);
	assert_int_not_equal(access(out, F_OK), 0);
	assert_int_not_equal(access(partial, F_OK), 0);
	scratch_close(&s);
}

static void targets_table_written(void **state)
{
	struct scratch s;
	scratch_open(&s);
	write_fit_world(&s);
	char targets[1024], out[600];
	snprintf(targets, sizeof(targets), TARGETS_TEMPLATE, 100000.0, 1000.0, 5000.0);
	scratch_write(&s, "targets.yaml", targets);
	scratch_path(&s, "run.h5", out, sizeof(out));
	/* targets relative to base_dir, as the network files are */
	struct mf_embed_options o = {.scenario = "extends: scenario.yaml\ntargets: targets.yaml\n",
				     .text = 1, .base_dir = s.dir, .threads = 1, .replicates = 2};
	run_or_fail(&o, out);
	struct mf_error err = {0};
	struct mf_reader *r = mf_reader_open(out, &err);
	assert_non_null(r);
	assert_true(mf_reader_has(r, "target_simulated"));
	mf_reader_close(r);
	scratch_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_runs_as_its_file),
		cmocka_unit_test(text_errors_have_positions),
		cmocka_unit_test(overrides_as_the_scenario),
		cmocka_unit_test(progress_and_cancel),
		cmocka_unit_test(targets_table_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
