/* libFuzzer target: the FLEE instance reader, on a copy of tests/data/flee_toy.
 * The first byte of the input picks the file (modulo the count below); the
 * rest of the input replaces it for one load, then the original is put back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "fuzz_common.h"
#include "migflow/flee.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
	"input_csv/locations.csv",
	"input_csv/routes.csv",
	"input_csv/conflicts.csv",
	"input_csv/closures.csv",
	"input_csv/sim_period.csv",
	"source_data/data_layout.csv",
	"source_data/toy-b.csv",
	"simsetting.yml",
	"input_csv/registration_corrections.csv",
	"source_data/refugees.csv",
	"source_data/toy-c.csv",
};
#define N_FILES (sizeof(files) / sizeof(*files))

static uint8_t *original[N_FILES];
static size_t original_size[N_FILES];

static void free_originals(void)
{
	for (size_t i = 0; i < N_FILES; i++)
		free(original[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char from[256];
	if (!original[0]) {
		for (size_t i = 0; i < N_FILES; i++) {
			snprintf(from, sizeof(from), "flee_toy/%s", files[i]);
			original[i] = fuzz_read_data(from, &original_size[i]);
			fuzz_write(files[i], original[i], original_size[i]);
		}
		atexit(free_originals);
	}
	if (size == 0)
		return 0;
	size_t which = data[0] % N_FILES;
	fuzz_write(files[which], data + 1, size - 1);
	struct mf_error err;
	mf_error_clear(&err);
	mf_flee_destroy(mf_flee_load(fuzz_dir(), &err));
	fuzz_write(files[which], original[which], original_size[which]);
	return 0;
}
