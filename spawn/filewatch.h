/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	filewatch.h - has any of these files changed? (dkimmod-spawn serve)
 */
#ifndef DKIMMOD_SPAWN_FILEWATCH_H
#define DKIMMOD_SPAWN_FILEWATCH_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct DkimmodFileWatch DkimmodFileWatch;

DkimmodFileWatch *dkimmod_filewatch_new (void);
void dkimmod_filewatch_free (DkimmodFileWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodFileWatch, dkimmod_filewatch_free)

/* Records PATH's state now (one stat; "absent" is a state too), unless
 * PATH is watched already. Call it before reading the file, so that a
 * change made while it is read shows at the next check. */
void dkimmod_filewatch_add (DkimmodFileWatch *watch, const char *path);
/* Adds every file of a configuration (dkimmod_config_foreach_file's GFunc). */
void dkimmod_filewatch_add_func (gpointer path, gpointer watch);
/* One stat per file: TRUE when any differs from what was recorded (file
 * replaced, written, truncated, chmod, chown, created or removed); *WHICH
 * (nullable, transfer none) names the first. */
gboolean dkimmod_filewatch_changed (DkimmodFileWatch *watch, const char **which);
/* Number of files watched. */
guint dkimmod_filewatch_count (const DkimmodFileWatch *watch);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_FILEWATCH_H */
