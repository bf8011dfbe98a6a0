/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	spool.h - one message's bytes: memory up to a threshold, then an
 *	unlinked temporary file (dkimmod-spawn)
 */
#ifndef DKIMMOD_SPAWN_SPOOL_H
#define DKIMMOD_SPAWN_SPOOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct DkimmodSpool DkimmodSpool;

/* Called with the spooled bytes in order, in chunks. */
typedef gboolean (*DkimmodSpoolFunc) (const char *data, gsize len, gpointer user_data,
                                      GError **error);

DkimmodSpool *dkimmod_spool_new (const char *directory, gsize memory_max);
void dkimmod_spool_free (DkimmodSpool *sp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodSpool, dkimmod_spool_free)

gboolean dkimmod_spool_append (DkimmodSpool *sp, const void *data, gsize len, GError **error);
/* Writes what is still buffered for the file; call before foreach. */
gboolean dkimmod_spool_finish (DkimmodSpool *sp, GError **error);
guint64 dkimmod_spool_size (const DkimmodSpool *sp);
gboolean dkimmod_spool_spilled (const DkimmodSpool *sp);
gboolean dkimmod_spool_foreach (DkimmodSpool *sp, DkimmodSpoolFunc func, gpointer user_data,
                                GError **error);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SPOOL_H */
