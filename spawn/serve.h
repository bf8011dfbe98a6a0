/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	serve.h - dkimmod-spawn serve: the pooled mode's command line
 */
#ifndef DKIMMOD_SPAWN_SERVE_H
#define DKIMMOD_SPAWN_SERVE_H

#include <glib.h>

G_BEGIN_DECLS

/* "dkimmod-spawn serve ..." with ARGV[0] = "serve"; the exit status. */
int dkimmod_serve_main (int argc, char **argv);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SERVE_H */
