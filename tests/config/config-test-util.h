/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-test-util.h - temporary configuration files for the config tests
 */
#ifndef DKIMMOD_CONFIG_TEST_UTIL_H
#define DKIMMOD_CONFIG_TEST_UTIL_H

#include "config-load.h"

/* A fresh temporary directory (removed by tcu_rmrf). */
char *tcu_tmpdir (void);
/* Writes TEXT to DIR/NAME (creating subdirectories); returns the path. */
char *tcu_write (const char *dir, const char *name, const char *text);
void tcu_rmrf (const char *dir);
/* Loads TEXT as DIR/dkimmod.conf; returns the config or NULL. */
DkimmodConfig *tcu_load_text (const char *dir, const char *text, unsigned flags, GError **error);
/* The error message with every "DIR/" removed, so it reads "dkimmod.conf:3: ...". */
char *tcu_strip_dir (const char *message, const char *dir);
/* The source tree root (DKIMMOD_SRCROOT, set by meson). */
const char *tcu_srcroot (void);

#endif
