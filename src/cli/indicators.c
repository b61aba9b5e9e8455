/* migflow indicators: the table of src/indicators.c, as text or JSON (which
 * tests/test_indicators.py compares with python/migflow's INDICATORS). */
#include <string.h>

#include "cli.h"

static void indicators_usage(FILE *out)
{
	fprintf(out,
		"usage: migflow indicators [--json]\n\n"
		"Lists the indicators that calibration targets (their `quantity`), the end-of-run\n"
		"summary and `migflow compare` compute, and python/migflow mirrors: name,\n"
		"kind (a flow is summed over a window, a stock taken on its last day), units of\n"
		"the daily value, the filters it takes (keys of a target) and its definition.\n\n"
		"options:\n"
		"  --json      as JSON: {\"indicators\": [{name, long_name, units, kind, filters,\n"
		"              definition}, ...]}\n"
		"  -h, --help  this help\n");
}

static void print_text(FILE *out)
{
	for (enum mf_indicator_id id = 0; id < MF_IND_COUNT; id++) {
		const struct mf_indicator *ind = mf_indicator_get(id);
		fprintf(out, "%s: %s (%s, %s", ind->name, ind->long_name,
			mf_indicator_kind_name(ind->kind), ind->units);
		const char *separator = "; filters: ";
		for (enum mf_indicator_filter_key k = 0; k < MF_FILTER_COUNT; k++)
			if (mf_indicator_takes(ind, k)) {
				fprintf(out, "%s%s", separator, mf_indicator_filter_name(k));
				separator = ", ";
			}
		fprintf(out, ")\n    %s\n", ind->definition);
	}
}

static void print_json(FILE *out)
{
	fprintf(out, "{\n  \"indicators\": [\n");
	for (enum mf_indicator_id id = 0; id < MF_IND_COUNT; id++) {
		const struct mf_indicator *ind = mf_indicator_get(id);
		fprintf(out, "    {\"name\": ");
		mf_cli_json_string(out, ind->name);
		fprintf(out, ", \"long_name\": ");
		mf_cli_json_string(out, ind->long_name);
		fprintf(out, ", \"units\": ");
		mf_cli_json_string(out, ind->units);
		fprintf(out, ", \"kind\": \"%s\", \"filters\": [", mf_indicator_kind_name(ind->kind));
		const char *separator = "";
		for (enum mf_indicator_filter_key k = 0; k < MF_FILTER_COUNT; k++)
			if (mf_indicator_takes(ind, k)) {
				fprintf(out, "%s\"%s\"", separator, mf_indicator_filter_name(k));
				separator = ", ";
			}
		fprintf(out, "], \"definition\": ");
		mf_cli_json_string(out, ind->definition);
		fprintf(out, "}%s\n", id + 1 < MF_IND_COUNT ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
}

int mf_cli_indicators(int argc, char **argv)
{
	bool json = false;
	const struct mf_cli_option options[] = {
		MF_OPT_FLAG("--json", &json),
	};
	const struct mf_cli_command command = {
		.name = "indicators", .usage = indicators_usage,
		.options = options, .n_options = sizeof(options) / sizeof(*options),
	};
	int code = mf_cli_parse_options(&command, argc, argv);
	if (code >= 0)
		return code;
	if (json)
		print_json(stdout);
	else
		print_text(stdout);
	return EXIT_OK;
}
