/* libFuzzer target: the batch reader. The input is batch.yaml next to the
 * small scenario (scenario.yaml, places.csv, links.csv from tests/data/small),
 * so that `scenarios: [scenario.yaml]` resolves. */
#include <stdint.h>
#include "fuzz_common.h"
#include "migflow/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		fuzz_copy("small/places.csv", "places.csv");
		fuzz_copy("small/links.csv", "links.csv");
		fuzz_copy("small/scenario.yaml", "scenario.yaml");
		ready = 1;
	}
	fuzz_write("batch.yaml", data, size);
	char path[4096];
	fuzz_path("batch.yaml", path, sizeof(path));
	struct mf_error err;
	mf_error_clear(&err);
	mf_batch_destroy(mf_batch_load(path, &err));
	return 0;
}
