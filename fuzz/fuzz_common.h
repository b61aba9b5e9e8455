/* Shared helpers of the fuzz targets: a private temporary directory per
 * process (removed at exit), files written into it, test data copied in.
 * Nothing here prints: a failure to set up aborts, which libFuzzer reports. */
#ifndef MIGFLOW_FUZZ_COMMON_H
#define MIGFLOW_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* The process's private directory (created on first use). */
const char *fuzz_dir(void);

/* fuzz_dir()/name into buf; aborts if it does not fit. */
void fuzz_path(const char *name, char *buf, size_t size);

/* Writes size bytes to fuzz_dir()/name (creating subdirectories). */
void fuzz_write(const char *name, const uint8_t *data, size_t size);

/* Copies MF_FUZZ_DATA/from (tests/data) to fuzz_dir()/to. */
void fuzz_copy(const char *from, const char *to);

/* Reads MF_FUZZ_DATA/from into a new buffer (caller frees); sets *size. */
uint8_t *fuzz_read_data(const char *from, size_t *size);

#endif
