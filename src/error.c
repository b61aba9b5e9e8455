#include "migflow/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mf_error_clear(struct mf_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

static void set_message(struct mf_error *err, const char *fmt, va_list args)
	__attribute__((format(printf, 2, 0)));

static void set_message(struct mf_error *err, const char *fmt, va_list args)
{
	vsnprintf(err->message, sizeof(err->message), fmt, args);
}

enum mf_status mf_error_set(struct mf_error *err, enum mf_status code,
			    const char *fmt, ...)
{
	if (!err)
		return code;
	mf_error_clear(err);
	err->code = code;
	va_list args;
	va_start(args, fmt);
	set_message(err, fmt, args);
	va_end(args);
	return code;
}

enum mf_status mf_error_at(struct mf_error *err, const char *file, int line,
			   int column, const char *field, const char *fmt, ...)
{
	if (!err)
		return MF_ERR_INPUT;
	mf_error_clear(err);
	err->code = MF_ERR_INPUT;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_list args;
	va_start(args, fmt);
	set_message(err, fmt, args);
	va_end(args);
	return MF_ERR_INPUT;
}

const char *mf_error_format(const struct mf_error *err, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	if (err->file[0]) {
		if (err->line > 0 && err->column > 0)
			used = (size_t)snprintf(buf, size, "%s:%d:%d: ", err->file,
						err->line, err->column);
		else if (err->line > 0)
			used = (size_t)snprintf(buf, size, "%s:%d: ", err->file, err->line);
		else
			used = (size_t)snprintf(buf, size, "%s: ", err->file);
	}
	if (used < size && err->field[0])
		used += (size_t)snprintf(buf + used, size - used, "'%s': ", err->field);
	if (used < size)
		snprintf(buf + used, size - used, "%s", err->message);
	return buf;
}

const char *mf_status_name(enum mf_status code)
{
	switch (code) {
	case MF_OK: return "ok";
	case MF_ERR_INPUT: return "input error";
	case MF_ERR_IO: return "I/O error";
	case MF_ERR_NOMEM: return "out of memory";
	case MF_ERR_EXISTS: return "output exists";
	case MF_ERR_CANCELLED: return "cancelled";
	case MF_ERR_INTERNAL: return "internal error";
	}
	return "unknown error";
}
