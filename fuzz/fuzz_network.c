/* libFuzzer target: the network CSV reader. The input is places.csv; if it
 * holds a form feed ('\f'), what follows the first one is links.csv instead
 * of tests/data/small/links.csv. */
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "migflow/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *marker = size ? memchr(data, '\f', size) : NULL;
	if (marker) {
		size_t places_size = (size_t)(marker - data);
		fuzz_write("places.csv", data, places_size);
		fuzz_write("links.csv", marker + 1, size - places_size - 1);
	} else {
		fuzz_write("places.csv", data, size);
		fuzz_copy("small/links.csv", "links.csv");
	}
	char places[4096], links[4096];
	fuzz_path("places.csv", places, sizeof(places));
	fuzz_path("links.csv", links, sizeof(links));
	struct mf_error err;
	mf_error_clear(&err);
	mf_graph_destroy(mf_graph_load(places, links, &err));
	return 0;
}
