/* SPDX-License-Identifier: MIT */
/* cryptoinit.h - the helper's one OpenSSL initialisation (cryptoinit.c) */
#pragma once

#include <glib.h>

/* Call once per process, before any other OpenSSL call, and in a pooled
 * worker after fork(2), never in the parent. OPENSSL_CONFIG is
 * spawn.openssl_config: "none" (NULL), "system" or a path. */
gboolean dkimmod_spawn_init_crypto (const char *openssl_config, GError **error);
