/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz.h - what every fuzz target and the replay driver share
 * DESCRIPTION
 *	Each fuzz-<target>.c defines LLVMFuzzerTestOneInput. Built with clang
 *	and -fsanitize=fuzzer it is a libFuzzer binary; built with replay.c
 *	(any compiler) it is a normal test that feeds every corpus file to
 *	the same function, so a crash found once stays fixed.
 *	fuzz_check() is the targets' assertion: a property the code must
 *	hold on every input (chunked equals unchunked, ...). It aborts, which
 *	libFuzzer reports as a crash and the replay test as a failure; it is
 *	never used in the library itself.
 */
#ifndef DKIMMOD_FUZZ_H
#define DKIMMOD_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

#define fuzz_check(cond)                                                       \
  do                                                                           \
    {                                                                          \
      if (!(cond))                                                             \
        {                                                                      \
          fprintf (stderr, "%s:%d: fuzz_check failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                     \
          abort ();                                                            \
        }                                                                      \
    }                                                                          \
  while (0)

/* fuzz_quiet - drop the library's g_log output (hostile input logs a lot) */
void fuzz_quiet (void);
/* fuzz_init - once per process; weak, fuzz_quiet by default */
void fuzz_init (void);

#endif /* DKIMMOD_FUZZ_H */
