/* The subcommands' option parser (options.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

bool mf_cli_parse_count(const char *text, long long max, long long *value)
{
	if (!text || !*text || *text == '-' || *text == '+')
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end || errno == ERANGE || v > (unsigned long long)max)
		return false;
	*value = (long long)v;
	return true;
}

bool mf_cli_parse_number(const char *text, double min, double max, double *value)
{
	if (!text || !*text)
		return false;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (*end || errno || !(v >= min && v <= max))
		return false;
	*value = v;
	return true;
}

__attribute__((format(printf, 2, 0)))
static void verror(const struct mf_cli_command *command, const char *format, va_list args)
{
	fprintf(stderr, "migflow %s: error: ", command->name);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
	if (command->usage)
		command->usage(stderr);
}

int mf_cli_usage_error(const struct mf_cli_command *command, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	verror(command, format, args);
	va_end(args);
	return EXIT_USAGE;
}

static const struct mf_cli_option *find(const struct mf_cli_command *command, const char *arg)
{
	for (size_t k = 0; k < command->n_options; k++) {
		const struct mf_cli_option *o = &command->options[k];
		if (!strcmp(arg, o->name) || (o->alias && !strcmp(arg, o->alias)))
			return o;
	}
	return NULL;
}

/* Stores text as option o's value; false when it is not one. */
static bool store(const struct mf_cli_option *o, const char *text)
{
	long long whole;
	double number;
	switch (o->kind) {
	case MF_CLI_FLAG:
		*(bool *)o->value = true;
		return true;
	case MF_CLI_TEXT:
		*(const char **)o->value = text;
		return true;
	case MF_CLI_NUMBER:
		if (!mf_cli_parse_number(text, o->low, o->high, &number))
			return false;
		*(double *)o->value = number;
		return true;
	case MF_CLI_INT:
	case MF_CLI_U64:
		if (!mf_cli_parse_count(text, o->max, &whole) || whole < o->min ||
		    (o->valid && !o->valid(whole)))
			return false;
		if (o->kind == MF_CLI_INT)
			*(int *)o->value = (int)whole;
		else
			*(uint64_t *)o->value = (uint64_t)whole;
		return true;
	}
	return false;
}

static int bad_value(const struct mf_cli_command *command, const struct mf_cli_option *o,
		     const char *arg, const char *text)
{
	char expects[96];
	if (o->expects)
		snprintf(expects, sizeof(expects), "%s", o->expects);
	else if (o->kind == MF_CLI_NUMBER)
		snprintf(expects, sizeof(expects), "a number in %g..%g", o->low, o->high);
	else
		snprintf(expects, sizeof(expects), "a whole number in %lld..%lld", o->min, o->max);
	return mf_cli_usage_error(command, "option '%s' expects %s, got '%s'", arg, expects, text);
}

int mf_cli_parse_options(const struct mf_cli_command *command, int argc, char **argv)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			if (command->usage)
				command->usage(stdout);
			return EXIT_OK;
		}
		const struct mf_cli_option *o = find(command, arg);
		if (o) {
			const char *text = NULL;
			if (o->kind != MF_CLI_FLAG) {
				text = i + 1 < argc ? argv[++i] : NULL;
				if (!text || !*text)
					return mf_cli_usage_error(command, "option '%s' needs a value", arg);
			}
			if (!store(o, text))
				return bad_value(command, o, arg, text);
			if (o->given)
				*o->given = true;
		} else if (arg[0] == '-') {
			return mf_cli_usage_error(command, "unknown option '%s'", arg);
		} else if (n < command->max_positional) {
			command->positional[n++] = arg;
		} else {
			return mf_cli_usage_error(command, "unexpected argument '%s'%s%s%s", arg,
						  command->too_many ? " (" : "",
						  command->too_many ? command->too_many : "",
						  command->too_many ? ")" : "");
		}
	}
	if (command->n_positional)
		*command->n_positional = n;
	return -1;
}
