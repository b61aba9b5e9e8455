/* libFuzzer target: the calibration targets reader, against the small
 * scenario (tests/data/small) loaded once. The input is targets.yaml. */
#include <stdint.h>
#include <stdlib.h>
#include "fuzz_common.h"
#include "migflow/scenario.h"
#include "migflow/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mf_scenario *scenario;

static void destroy_scenario(void)
{
	mf_scenario_destroy(scenario);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mf_error err;
	char path[4096];
	if (!scenario) {
		fuzz_copy("small/places.csv", "places.csv");
		fuzz_copy("small/links.csv", "links.csv");
		fuzz_copy("small/scenario.yaml", "scenario.yaml");
		fuzz_path("scenario.yaml", path, sizeof(path));
		mf_error_clear(&err);
		if (!(scenario = mf_scenario_load(path, &err)))
			abort();
		atexit(destroy_scenario);
	}
	fuzz_write("targets.yaml", data, size);
	fuzz_path("targets.yaml", path, sizeof(path));
	mf_error_clear(&err);
	mf_targets_destroy(mf_targets_load(path, scenario, &err));
	return 0;
}
