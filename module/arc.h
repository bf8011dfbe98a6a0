/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	arc.h - the ARC verifier's private entry points, for the aggregate (auth.c)
 * DESCRIPTION
 *	The public ARC API (DkimmodArcVerifier) is in dkimmod.h; its step
 *	decides only after the body. The aggregate steps every method while
 *	the body streams and needs to know, before that, whether the chain
 *	still waits for a key answer.
 * NEVER
 *	Installed.
 */
#ifndef DKIMMOD_ARC_H
#define DKIMMOD_ARC_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* Every key question the chain asked (at end_headers) has its answer. */
gboolean dkimmod_arc_verifier_answered (const DkimmodArcVerifier *a);
/* The arc= resinfo of R as authres.h words (the aggregate folds its one
 * field between them); dkimmod_arc_resinfo joins them. */
GPtrArray *dkimmod_arc_authres_words (const DkimmodArcResultInfo *r, const char *client_ip);

G_END_DECLS

#endif /* DKIMMOD_ARC_H */
