/* libFuzzer target: the scenario reader. The input is scenario.yaml next to
 * the small network (tests/data/small/places.csv, links.csv). */
#include <stdint.h>
#include "fuzz_common.h"
#include "migflow/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		fuzz_copy("small/places.csv", "places.csv");
		fuzz_copy("small/links.csv", "links.csv");
		ready = 1;
	}
	fuzz_write("scenario.yaml", data, size);
	char path[4096];
	fuzz_path("scenario.yaml", path, sizeof(path));
	struct mf_error err;
	mf_error_clear(&err);
	mf_scenario_destroy(mf_scenario_load(path, &err));
	return 0;
}
