/* Tests of the CSV reader in both dialects (network files, FLEE files):
 * records, comments, quoting, trimming, line endings, the line and column of
 * each field, and every error with its exact position. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

#define PATH_SIZE 512
#define ANY_COLUMN (-1) /* expect_error: do not check the column */

/* The group's scratch directory; every test writes its files there. */
struct scratch {
	char dir[256];
};

static int group_setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "/tmp/migflow-test-csv-XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int group_teardown(void **state)
{
	struct scratch *s = *state;
	DIR *dir = opendir(s->dir);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char path[PATH_SIZE];
			snprintf(path, sizeof(path), "%s/%s", s->dir, entry->d_name);
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(s->dir);
	free(s);
	return 0;
}

/* Writes n bytes to a file of the scratch directory; its path into path. */
static void write_bytes(void **state, const char *name, const char *bytes, size_t n, char *path)
{
	const struct scratch *s = *state;
	snprintf(path, PATH_SIZE, "%s/%s", s->dir, name);
	FILE *file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, n, file), n);
	assert_int_equal(fclose(file), 0);
}

static struct mf_csv *open_bytes(void **state, const struct mf_csv_options *options,
				 const char *name, const char *bytes, size_t n)
{
	char path[PATH_SIZE];
	write_bytes(state, name, bytes, n, path);
	struct mf_error err = {0};
	struct mf_csv *csv = mf_csv_open(path, options, &err);
	assert_non_null(csv);
	assert_int_equal(err.code, MF_OK);
	return csv;
}

static struct mf_csv *open_text(void **state, const char *name, const char *text)
{
	return open_bytes(state, &mf_csv_network, name, text, strlen(text));
}

static struct mf_csv *open_flee(void **state, const char *name, const char *text)
{
	return open_bytes(state, &mf_csv_flee, name, text, strlen(text));
}

/* Reads records with options until the error and checks its position. */
static void expect_dialect_error(void **state, const struct mf_csv_options *options,
				 const char *name, const char *bytes, size_t n, int line, int column,
				 const char *message_part)
{
	char path[PATH_SIZE];
	write_bytes(state, name, bytes, n, path);
	struct mf_error err = {0};
	struct mf_csv *csv = mf_csv_open(path, options, &err);
	assert_non_null(csv);
	int status;
	while ((status = mf_csv_next(csv, &err)) == 1)
		;
	mf_csv_close(csv);
	assert_int_equal(status, -1);
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, line);
	if (column != ANY_COLUMN)
		assert_int_equal(err.column, column);
	if (!strstr(err.message, message_part))
		fail_msg("message '%s' lacks '%s'", err.message, message_part);
}

static void expect_error(void **state, const char *name, const char *bytes, size_t n,
			 int line, int column, const char *message_part)
{
	expect_dialect_error(state, &mf_csv_network, name, bytes, n, line, column, message_part);
}

static void expect_text_error(void **state, const char *name, const char *text, int line,
			      int column, const char *message_part)
{
	expect_error(state, name, text, strlen(text), line, column, message_part);
}

static void test_records_and_comments(void **state)
{
	struct mf_csv *csv = open_text(state, "basic.csv",
				       "# a comment\n"
				       "\n"
				       "id,name,value\n"
				       "   \t \n"
				       "  # an indented comment\n"
				       "a,Alpha,1\n"
				       "\n"
				       "b,Beta,2.5\n"
				       "c,,\n"
				       "d,last line,no newline");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 3);
	assert_int_equal(mf_csv_count(csv), 3);
	assert_string_equal(mf_csv_field(csv, 0), "id");
	assert_string_equal(mf_csv_field(csv, 1), "name");
	assert_string_equal(mf_csv_field(csv, 2), "value");
	assert_int_equal(mf_csv_column(csv, 0), 1);
	assert_int_equal(mf_csv_column(csv, 1), 4);
	assert_int_equal(mf_csv_column(csv, 2), 9);

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 6);
	assert_int_equal(mf_csv_count(csv), 3);
	assert_string_equal(mf_csv_field(csv, 1), "Alpha");

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 8);
	assert_string_equal(mf_csv_field(csv, 2), "2.5");
	assert_int_equal(mf_csv_column(csv, 2), 8);

	/* Empty fields, including a trailing one. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 9);
	assert_int_equal(mf_csv_count(csv), 3);
	assert_string_equal(mf_csv_field(csv, 0), "c");
	assert_string_equal(mf_csv_field(csv, 1), "");
	assert_string_equal(mf_csv_field(csv, 2), "");
	assert_int_equal(mf_csv_column(csv, 1), 3);
	assert_int_equal(mf_csv_column(csv, 2), 4);

	/* The last line needs no newline. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 10);
	assert_string_equal(mf_csv_field(csv, 2), "no newline");

	assert_int_equal(mf_csv_next(csv, &err), 0);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	assert_int_equal(err.code, MF_OK);
	assert_non_null(strstr(mf_csv_path(csv), "basic.csv"));
	mf_csv_close(csv);
}

static void test_quoted_fields(void **state)
{
	struct mf_csv *csv = open_text(state, "quoted.csv",
				       "\"a,b\",\"say \"\"hi\"\"\",plain,\"\",\"\"\"\"\n"
				       "\"multi word, with comma\",x\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_count(csv), 5);
	assert_string_equal(mf_csv_field(csv, 0), "a,b");
	assert_string_equal(mf_csv_field(csv, 1), "say \"hi\"");
	assert_string_equal(mf_csv_field(csv, 2), "plain");
	assert_string_equal(mf_csv_field(csv, 3), "");
	assert_string_equal(mf_csv_field(csv, 4), "\"");
	/* Columns of the opening quotes. */
	assert_int_equal(mf_csv_column(csv, 0), 1);
	assert_int_equal(mf_csv_column(csv, 1), 7);
	assert_int_equal(mf_csv_column(csv, 2), 20);
	assert_int_equal(mf_csv_column(csv, 3), 26);
	assert_int_equal(mf_csv_column(csv, 4), 29);

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 2);
	assert_int_equal(mf_csv_count(csv), 2);
	assert_string_equal(mf_csv_field(csv, 0), "multi word, with comma");
	assert_string_equal(mf_csv_field(csv, 1), "x");
	assert_int_equal(mf_csv_column(csv, 1), 26);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);
}

static void test_trimming(void **state)
{
	struct mf_csv *csv = open_text(state, "trim.csv",
				       "a  ,\tb\t,  c c  ,\"k, e\", \t\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_count(csv), 5);
	assert_string_equal(mf_csv_field(csv, 0), "a");
	assert_string_equal(mf_csv_field(csv, 1), "b");
	assert_string_equal(mf_csv_field(csv, 2), "c c");
	assert_string_equal(mf_csv_field(csv, 3), "k, e");
	assert_string_equal(mf_csv_field(csv, 4), "");
	assert_int_equal(mf_csv_column(csv, 0), 1);
	assert_int_equal(mf_csv_column(csv, 3), 17);
	mf_csv_close(csv);
}

static void test_crlf(void **state)
{
	struct mf_csv *csv = open_text(state, "crlf.csv",
				       "# comment\r\n"
				       "\r\n"
				       "id,name\r\n"
				       "a,\"quoted\"\r\n"
				       "b,\r\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 3);
	assert_string_equal(mf_csv_field(csv, 1), "name");
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 4);
	assert_string_equal(mf_csv_field(csv, 1), "quoted");
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 5);
	assert_int_equal(mf_csv_count(csv), 2);
	assert_string_equal(mf_csv_field(csv, 1), "");
	assert_int_equal(mf_csv_next(csv, &err), 0);
	assert_int_equal(err.code, MF_OK);
	mf_csv_close(csv);
}

static void test_utf8_accepted(void **state)
{
	struct mf_csv *csv = open_text(state, "utf8.csv",
				       "agadez,Agad\xc3\xa8z,\xe2\x82\xac,\xf0\x9f\x8c\x8d\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_string_equal(mf_csv_field(csv, 1), "Agad\xc3\xa8z");
	assert_string_equal(mf_csv_field(csv, 2), "\xe2\x82\xac");
	assert_string_equal(mf_csv_field(csv, 3), "\xf0\x9f\x8c\x8d");
	mf_csv_close(csv);
}

static void test_error_unterminated_quote(void **state)
{
	expect_text_error(state, "unterminated.csv", "id,name\n# c\nx,\"abc,def\n", 3, 3,
			  "unterminated");
	/* A doubled quote at the end does not close the field. */
	expect_text_error(state, "unterminated2.csv", "\"ab\"\"\n", 1, 1, "unterminated");
}

static void test_error_text_after_quote(void **state)
{
	expect_text_error(state, "after.csv", "id,name\na,\"b\"c,d\n", 2, 6, "after a quoted field");
	/* Blanks after the closing quote are allowed, other text is not. */
	expect_text_error(state, "after2.csv", "\"x\"  z,y\n", 1, 6, "after a quoted field");
}

static void test_error_quote_in_unquoted(void **state)
{
	expect_text_error(state, "inner.csv", "id,name\n\nab,cd\"e\",f\n", 3, 6,
			  "quote inside an unquoted field");
}

/* Reads a file of a header and one line of MF_CSV_LINE_MAX bytes ending
 * in `ending`; fails the test unless the line is read whole. */
static void expect_longest_line(void **state, const char *name, const char *ending)
{
	char *text = malloc(MF_CSV_LINE_MAX + 8);
	assert_non_null(text);
	memcpy(text, "id\n", 3);
	memset(text + 3, 'x', MF_CSV_LINE_MAX);
	strcpy(text + 3 + MF_CSV_LINE_MAX, ending);
	char path[PATH_SIZE];
	write_bytes(state, name, text, strlen(text), path);
	free(text);
	struct mf_error err = {0};
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_network, &err);
	assert_non_null(csv);
	int header = mf_csv_next(csv, &err);
	int status = mf_csv_next(csv, &err);
	size_t length = status == 1 ? strlen(mf_csv_field(csv, 0)) : 0;
	mf_csv_close(csv);
	assert_int_equal(header, 1);
	if (status != 1)
		fail_msg("a line of %d bytes ending in %s was refused: %s", MF_CSV_LINE_MAX,
			 strcmp(ending, "\n") == 0 ? "LF" : "CRLF", err.message);
	assert_int_equal(length, MF_CSV_LINE_MAX);
}

static void test_long_lines(void **state)
{
	/* Exactly MF_CSV_LINE_MAX bytes is fine ... */
	expect_longest_line(state, "max.csv", "\n");
	/* ... one byte more is refused, on its line. */
	char *text = malloc(MF_CSV_LINE_MAX + 16);
	assert_non_null(text);
	memcpy(text, "id\n# c\n", 7);
	memset(text + 7, 'y', MF_CSV_LINE_MAX + 1);
	strcpy(text + 8 + MF_CSV_LINE_MAX, "\nz\n");
	char path[PATH_SIZE];
	write_bytes(state, "long.csv", text, strlen(text), path);
	free(text);
	struct mf_error err = {0};
	struct mf_csv *csv = mf_csv_open(path, &mf_csv_network, &err);
	assert_non_null(csv);
	int header = mf_csv_next(csv, &err);
	int status = mf_csv_next(csv, &err);
	mf_csv_close(csv);
	assert_int_equal(header, 1);
	assert_int_equal(status, -1);
	assert_int_equal(err.code, MF_ERR_INPUT);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, MF_CSV_LINE_MAX);
	assert_non_null(strstr(err.message, "longer than"));
}

static void test_longest_line_crlf(void **state)
{
	/* The end of line is not part of the line: CRLF files take lines as
	 * long as LF files do. */
	expect_longest_line(state, "max_crlf.csv", "\r\n");
}

static void test_error_nul(void **state)
{
	static const char bytes[] = "id,name\nab,c\0d\n";
	expect_error(state, "nul.csv", bytes, sizeof(bytes) - 1, 2, ANY_COLUMN, "NUL");
	static const char first[] = "\0id\n";
	expect_error(state, "nul_first.csv", first, sizeof(first) - 1, 1, 1, "NUL");
}

/* Files with a byte that is not UTF-8 text, and the column of that byte: a
 * stray continuation byte, a truncated sequence, an overlong '/', a
 * surrogate, a code point above U+10FFFF and a control character. */
static const struct {
	const char *name, *text;
	int line, column;
	const char *message_part;
} bad_text[] = {
	{"utf8_1.csv", "id,name\nab,c\x80\n", 2, 5, "UTF-8"},
	{"utf8_2.csv", "id,name\nab,caf\xc3\n", 2, 7, "UTF-8"},
	{"utf8_3.csv", "\xc0\xaf,x\n", 1, 1, "UTF-8"},
	{"utf8_4.csv", "id\n# fine\nx\xed\xa0\x80y\n", 3, 2, "UTF-8"},
	{"utf8_5.csv", "ok,\xf4\x90\x80\x80\n", 1, 4, "UTF-8"},
	{"utf8_6.csv", "ok,bell\x07\n", 1, 8, "control"},
};

static void test_error_invalid_utf8(void **state)
{
	for (size_t i = 0; i < sizeof(bad_text) / sizeof(*bad_text); i++)
		expect_text_error(state, bad_text[i].name, bad_text[i].text, bad_text[i].line,
				  ANY_COLUMN, bad_text[i].message_part);
}

static void test_bad_byte_columns(void **state)
{
	/* A NUL byte or bad UTF-8 is reported at its own column, like every
	 * other error, not at the start of the line. */
	static const char nul[] = "id,name\nab,c\0d\n";
	expect_error(state, "nul_column.csv", nul, sizeof(nul) - 1, 2, 5, "NUL");
	for (size_t i = 0; i < sizeof(bad_text) / sizeof(*bad_text); i++)
		expect_text_error(state, bad_text[i].name, bad_text[i].text, bad_text[i].line,
				  bad_text[i].column, bad_text[i].message_part);
}

static void test_fields_max(void **state)
{
	char text[4 * MF_CSV_FIELDS_MAX + 8];
	int used = 0;
	/* MF_CSV_FIELDS_MAX fields are fine ... */
	for (int i = 0; i < MF_CSV_FIELDS_MAX; i++)
		used += snprintf(text + used, sizeof(text) - (size_t)used, "%s%c", i ? "," : "",
				 'a' + i % 26);
	snprintf(text + used, sizeof(text) - (size_t)used, "\n");
	struct mf_csv *csv = open_text(state, "fields_ok.csv", text);
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_count(csv), MF_CSV_FIELDS_MAX);
	assert_int_equal(mf_csv_column(csv, MF_CSV_FIELDS_MAX - 1), 2 * MF_CSV_FIELDS_MAX - 1);
	mf_csv_close(csv);

	/* ... one more is refused at the column where it starts. */
	snprintf(text + used, sizeof(text) - (size_t)used, ",z\n");
	char with_header[sizeof(text) + 8];
	snprintf(with_header, sizeof(with_header), "h\n%s", text);
	expect_text_error(state, "fields_many.csv", with_header, 2, 2 * MF_CSV_FIELDS_MAX + 1,
			  "more than");
}

static void test_open_missing(void **state)
{
	const struct scratch *s = *state;
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/no-such-file.csv", s->dir);
	struct mf_error err = {0};
	assert_null(mf_csv_open(path, &mf_csv_network, &err));
	assert_int_equal(err.code, MF_ERR_IO);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.message, "cannot open"));
	mf_csv_close(NULL);
}

/* The FLEE dialect: Python's csv module as FLEE reads its files. */

static void test_flee_comment_rows(void **state)
{
	/* '#' rows go to the caller; only empty lines are skipped. */
	struct mf_csv *csv = open_flee(state, "flee_comments.csv",
				       "#name,region,extra\n"
				       "A,B,C\n"
				       "\n"
				       "  # indented,x\n"
				       "   \n"
				       "\"#quoted\",y\n"
				       "last,no newline");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 1);
	assert_true(mf_csv_is_comment(csv));
	assert_int_equal(mf_csv_count(csv), 3);
	assert_string_equal(mf_csv_field(csv, 0), "#name");
	assert_string_equal(mf_csv_field(csv, 1), "region");
	assert_string_equal(mf_csv_field(csv, 2), "extra");
	assert_int_equal(mf_csv_column(csv, 1), 7);
	assert_int_equal(mf_csv_column(csv, 2), 14);

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 2);
	assert_false(mf_csv_is_comment(csv));
	assert_string_equal(mf_csv_field(csv, 2), "C");

	/* A '#' after blanks is text, as in Python. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 4);
	assert_false(mf_csv_is_comment(csv));
	assert_int_equal(mf_csv_count(csv), 2);
	assert_string_equal(mf_csv_field(csv, 0), "  # indented");
	assert_int_equal(mf_csv_column(csv, 1), 14);

	/* A line of blanks is a row of one field. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 5);
	assert_int_equal(mf_csv_count(csv), 1);
	assert_string_equal(mf_csv_field(csv, 0), "   ");

	/* The first field, once unquoted, starts with '#'. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 6);
	assert_true(mf_csv_is_comment(csv));
	assert_string_equal(mf_csv_field(csv, 0), "#quoted");

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 7);
	assert_string_equal(mf_csv_field(csv, 1), "no newline");
	assert_int_equal(mf_csv_next(csv, &err), 0);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	assert_int_equal(err.code, MF_OK);
	mf_csv_close(csv);
}

static void test_flee_bom(void **state)
{
	/* A byte order mark at the start of the file is dropped; columns count
	 * from after it. One further on is text. */
	struct mf_csv *csv = open_flee(state, "flee_bom.csv",
				       "\xef\xbb\xbfname,x\n\xef\xbb\xbfy,z\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 1);
	assert_string_equal(mf_csv_field(csv, 0), "name");
	assert_int_equal(mf_csv_column(csv, 0), 1);
	assert_int_equal(mf_csv_column(csv, 1), 6);
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_string_equal(mf_csv_field(csv, 0), "\xef\xbb\xbfy");
	assert_int_equal(mf_csv_column(csv, 1), 6);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);

	/* A comment row after the mark is still a comment row. */
	csv = open_flee(state, "flee_bom_comment.csv", "\xef\xbb\xbf#h,a\r\n");
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_true(mf_csv_is_comment(csv));
	assert_string_equal(mf_csv_field(csv, 1), "a");
	mf_csv_close(csv);

	/* A file of only the mark has no rows. */
	csv = open_flee(state, "flee_bom_only.csv", "\xef\xbb\xbf\r\n");
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);

	/* The network dialect keeps the mark in the first field. */
	csv = open_text(state, "network_bom.csv", "\xef\xbb\xbfid,x\n");
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_string_equal(mf_csv_field(csv, 0), "\xef\xbb\xbfid");
	mf_csv_close(csv);
	assert_int_equal(err.code, MF_OK);
}

static void test_flee_quoting(void **state)
{
	struct mf_csv *csv = open_flee(state, "flee_quoted.csv",
				       "\"a,b\",\"say \"\"hi\"\"\", x ,\"q\"tail,ab\"c,\"\",\"\"\"\"\n"
				       "\"a\" ,b\n");
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_count(csv), 7);
	assert_string_equal(mf_csv_field(csv, 0), "a,b");
	assert_string_equal(mf_csv_field(csv, 1), "say \"hi\"");
	/* Nothing is trimmed. */
	assert_string_equal(mf_csv_field(csv, 2), " x ");
	/* Text after a closing quote is kept, a quote inside a field is text. */
	assert_string_equal(mf_csv_field(csv, 3), "qtail");
	assert_string_equal(mf_csv_field(csv, 4), "ab\"c");
	assert_string_equal(mf_csv_field(csv, 5), "");
	assert_string_equal(mf_csv_field(csv, 6), "\"");
	static const int columns[] = {1, 7, 20, 24, 32, 37, 40};
	for (int i = 0; i < 7; i++)
		assert_int_equal(mf_csv_column(csv, i), columns[i]);

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 2);
	assert_string_equal(mf_csv_field(csv, 0), "a ");
	assert_string_equal(mf_csv_field(csv, 1), "b");
	assert_int_equal(mf_csv_column(csv, 1), 6);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);

	static const char unterminated[] = "x,\"abc\n";
	expect_dialect_error(state, &mf_csv_flee, "flee_unterminated.csv", unterminated,
			     sizeof(unterminated) - 1, 1, 3, "unterminated quoted field");
	/* A quoted field does not run on to the next line. */
	static const char two_lines[] = "id\n\"a\nb\"\n";
	expect_dialect_error(state, &mf_csv_flee, "flee_two_lines.csv", two_lines,
			     sizeof(two_lines) - 1, 2, 1, "unterminated quoted field");
}

static void test_flee_many_fields(void **state)
{
	/* No limit on fields or line length (this line is longer than
	 * MF_CSV_LINE_MAX). */
	enum { FIELDS = 1000 };
	static char text[8 * FIELDS];
	static int columns[FIELDS];
	int used = 0;
	for (int i = 0; i < FIELDS; i++) {
		columns[i] = used + (i ? 2 : 1);
		used += snprintf(text + used, sizeof(text) - (size_t)used, "%sf%d", i ? "," : "", i);
	}
	assert_true(used > MF_CSV_LINE_MAX);
	snprintf(text + used, sizeof(text) - (size_t)used, "\n");
	struct mf_csv *csv = open_flee(state, "flee_many.csv", text);
	struct mf_error err = {0};
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_count(csv), FIELDS);
	for (int i = 0; i < FIELDS; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		assert_string_equal(mf_csv_field(csv, i), name);
		assert_int_equal(mf_csv_column(csv, i), columns[i]);
	}
	/* Past the row: an empty field, at the column just past the line. */
	assert_string_equal(mf_csv_field(csv, FIELDS), "");
	assert_int_equal(mf_csv_column(csv, FIELDS), used + 1);
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);
}

static void test_flee_lines_and_columns(void **state)
{
	struct mf_csv *csv = open_flee(state, "flee_columns.csv",
				       "a, b ,c\r\n"
				       "\r\n"
				       "\t d\t,e\r\n"
				       "  hello ,\n");
	struct mf_error err = {0};
	char buf[16];
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 1);
	assert_int_equal(mf_csv_count(csv), 3);
	assert_string_equal(mf_csv_field(csv, 1), " b ");
	assert_string_equal(mf_csv_field(csv, 2), "c");
	assert_int_equal(mf_csv_column(csv, 0), 1);
	assert_int_equal(mf_csv_column(csv, 1), 3);
	assert_int_equal(mf_csv_column(csv, 2), 7);
	assert_int_equal(mf_csv_column(csv, 3), 8);
	assert_string_equal(mf_csv_trimmed(csv, 1, buf, sizeof(buf)), "b");

	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 3);
	assert_string_equal(mf_csv_field(csv, 0), "\t d\t");
	assert_int_equal(mf_csv_column(csv, 1), 6);
	assert_string_equal(mf_csv_trimmed(csv, 0, buf, sizeof(buf)), "d");
	assert_string_equal(mf_csv_trimmed(csv, 5, buf, sizeof(buf)), "");

	/* A trailing comma makes an empty last field; trimmed text is cut to
	 * the buffer. */
	assert_int_equal(mf_csv_next(csv, &err), 1);
	assert_int_equal(mf_csv_line(csv), 4);
	assert_int_equal(mf_csv_count(csv), 2);
	assert_string_equal(mf_csv_field(csv, 1), "");
	assert_int_equal(mf_csv_column(csv, 1), 10);
	assert_string_equal(mf_csv_trimmed(csv, 0, buf, 3), "he");
	assert_int_equal(mf_csv_next(csv, &err), 0);
	mf_csv_close(csv);
}

static void test_flee_bad_bytes(void **state)
{
	/* The first bad byte of the line is reported, a NUL as a NUL; the
	 * network dialect names a NUL first wherever it is. */
	static const char control_then_nul[] = "a\x01" "b\0c\n";
	expect_dialect_error(state, &mf_csv_flee, "flee_control_nul.csv", control_then_nul,
			     sizeof(control_then_nul) - 1, 1, 2, "control");
	expect_dialect_error(state, &mf_csv_network, "network_control_nul.csv", control_then_nul,
			     sizeof(control_then_nul) - 1, 1, 4, "NUL");
	static const char nul[] = "id\nab\0\n";
	expect_dialect_error(state, &mf_csv_flee, "flee_nul.csv", nul, sizeof(nul) - 1, 2, 3,
			     "NUL byte");
	/* Comment rows are text too. */
	static const char comment[] = "#h\x80,x\n";
	expect_dialect_error(state, &mf_csv_flee, "flee_comment_utf8.csv", comment,
			     sizeof(comment) - 1, 1, 3, "UTF-8");
}

static void test_dialects_side_by_side(void **state)
{
	static const char text[] = "# comment\n"
				   "id,name\n"
				   "  # indented\n"
				   "   \n"
				   "\"#q\",x\n"
				   " a , \"b\" \n";
	struct mf_csv *network = open_text(state, "side_network.csv", text);
	struct mf_csv *flee = open_flee(state, "side_flee.csv", text);
	struct mf_error err = {0};
	static const int network_lines[] = {2, 5, 6};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mf_csv_next(network, &err), 1);
		assert_int_equal(mf_csv_line(network), network_lines[i]);
		assert_int_equal(mf_csv_count(network), 2);
	}
	assert_string_equal(mf_csv_field(network, 0), "a");
	assert_string_equal(mf_csv_field(network, 1), "b");
	assert_int_equal(mf_csv_column(network, 0), 2);
	assert_int_equal(mf_csv_column(network, 1), 6);
	assert_int_equal(mf_csv_next(network, &err), 0);

	for (int line = 1; line <= 6; line++) {
		assert_int_equal(mf_csv_next(flee, &err), 1);
		assert_int_equal(mf_csv_line(flee), line);
		assert_int_equal(mf_csv_is_comment(flee), line == 1 || line == 5);
	}
	assert_string_equal(mf_csv_field(flee, 0), " a ");
	assert_string_equal(mf_csv_field(flee, 1), " \"b\" ");
	assert_int_equal(mf_csv_column(flee, 1), 5);
	assert_int_equal(mf_csv_next(flee, &err), 0);
	assert_int_equal(err.code, MF_OK);
	mf_csv_close(network);
	mf_csv_close(flee);
}

static void test_flee_open_errors(void **state)
{
	const struct scratch *s = *state;
	char path[PATH_SIZE];
	snprintf(path, sizeof(path), "%s/no-such-file.csv", s->dir);
	struct mf_error err = {0};
	assert_null(mf_csv_open(path, &mf_csv_flee, &err));
	assert_int_equal(err.code, MF_ERR_IO);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.message, "cannot open"));
	/* The whole file is read at open: a directory fails there. */
	mf_error_clear(&err);
	assert_null(mf_csv_open(s->dir, &mf_csv_flee, &err));
	assert_int_equal(err.code, MF_ERR_IO);
	assert_non_null(strstr(err.message, "cannot read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_comments),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_trimming),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_utf8_accepted),
		cmocka_unit_test(test_error_unterminated_quote),
		cmocka_unit_test(test_error_text_after_quote),
		cmocka_unit_test(test_error_quote_in_unquoted),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_longest_line_crlf),
		cmocka_unit_test(test_error_nul),
		cmocka_unit_test(test_error_invalid_utf8),
		cmocka_unit_test(test_bad_byte_columns),
		cmocka_unit_test(test_fields_max),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_flee_comment_rows),
		cmocka_unit_test(test_flee_bom),
		cmocka_unit_test(test_flee_quoting),
		cmocka_unit_test(test_flee_many_fields),
		cmocka_unit_test(test_flee_lines_and_columns),
		cmocka_unit_test(test_flee_bad_bytes),
		cmocka_unit_test(test_dialects_side_by_side),
		cmocka_unit_test(test_flee_open_errors),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
