/*
 * fuzz: what every fuzz target (tests/fuzz/fuzz_<x>.c) offers.  A target is
 * libFuzzer's entry point; it is linked either with libFuzzer (clang
 * -fsanitize=fuzzer, tests/fuzz/build.sh) or with replay.c, which feeds it
 * the seed corpus in `make check`.  A target aborts on a broken invariant,
 * so both find the same bugs.
 */
#ifndef MINIDFS_FUZZ_H
#define MINIDFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with a message: an invariant the target checks is broken. */
void	 fuzz_fail(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* MINIDFS_FUZZ_H */
