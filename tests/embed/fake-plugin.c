/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fake-plugin.c - a libdkimmod stand-in a host must refuse
 * SYNOPSIS
 *	dkimmod_plugin_v1
 * DESCRIPTION
 *	Built twice by tests/embed/meson.build: with FAKE_MAJOR=2 it claims
 *	a future ABI major; with FAKE_MINOR0 it is an ABI 1.0 library whose
 *	table ends at signer_free (no verifier). Every function pointer is
 *	NULL, so a host that calls one before checking the version crashes
 *	and the test fails.
 * NEVER
 *	Be installed.
 */
#include <stddef.h>

#include "dkimmod.h"

#ifdef FAKE_MINOR0
#define FAKE_SIZE (offsetof (DkimmodPluginV1, signer_free) + sizeof (void (*) (void)))
#else
#define FAKE_SIZE sizeof (DkimmodPluginV1)
#endif

__attribute__ ((visibility ("default"))) const DkimmodPluginV1 *dkimmod_plugin_v1 (void);

static const DkimmodPluginV1 fake = {
  .abi_major = FAKE_MAJOR,
  .abi_minor = 0,
  .struct_size = FAKE_SIZE,
};

const DkimmodPluginV1 *
dkimmod_plugin_v1 (void)
{
  return &fake;
}
