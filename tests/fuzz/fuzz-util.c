/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-util.c - helpers shared by the fuzz targets
 * SYNOPSIS
 *	fuzz_quiet, fuzz_init, LLVMFuzzerInitialize
 * DESCRIPTION
 *	Warnings the library logs about hostile input would flood the
 *	fuzzer's output and slow it down; criticals still abort, because
 *	they mean a bug reached from input (the library's own precondition
 *	checks return silently, module/quiet-private.h, but GLib's do not).
 */
#include <glib.h>

#include "fuzz.h"

/* drop_log - structured log writer that keeps only criticals and errors */
static GLogWriterOutput
drop_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_quiet (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      g_log_set_writer_func (drop_log, NULL, NULL);
      g_once_init_leave (&done, 1);
    }
}

/* The default set-up; a target that must install its own log writer
 * (GLib allows one per process) defines fuzz_init itself. */
__attribute__ ((weak)) void
fuzz_init (void)
{
  fuzz_quiet ();
}

/* libFuzzer calls this once before the first input; so does replay.c. */
int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}
