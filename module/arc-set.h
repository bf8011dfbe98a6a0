/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	arc-set.h - an ARC chain's sets, collected and checked for structure (private)
 * DESCRIPTION
 *	Steps 1 to 3 of RFC 8617 section 5.2: the ARC fields of a message
 *	grouped by instance into sets, and whether they form a chain a
 *	validator may go on to verify. arc.c does the cryptography.
 */
#ifndef DKIMMOD_ARC_SET_H
#define DKIMMOD_ARC_SET_H

#include <glib.h>

#include "header-private.h"
#include "sigparse.h"

G_BEGIN_DECLS

/* Which ARC field a header field is (DKIMMOD_ARC_FIELD_NONE: not one). */
typedef enum {
  DKIMMOD_ARC_FIELD_NONE = 0,
  DKIMMOD_ARC_FIELD_AAR,
  DKIMMOD_ARC_FIELD_AMS,
  DKIMMOD_ARC_FIELD_AS,
} DkimmodArcField;

/* One ARC set: its three fields (indexes into the message's fields) and
 * the AMS and AS read as signatures. */
typedef struct {
  guint aar, ams, as;        /* field index + 1; 0 = absent */
  DkimmodSigSpec ams_spec, as_spec;
  char *ams_error;           /* the AMS could not be read: why (it fails to validate) */
} DkimmodArcSet;

typedef struct {
  guint n;                   /* highest instance; 0 = no ARC field at all */
  DkimmodArcSet sets[DKIMMOD_ARC_MAX_INSTANCE]; /* sets[i - 1] is instance i */
  char *fail;                /* the structure fails (RFC 8617 5.2 steps 1-3): why */
  guint8 *field_instance;    /* per field: its instance, 0 for non-ARC fields */
  guint8 *field_kind;        /* per field: DkimmodArcField */
} DkimmodArcChain;

/* Collects and checks the ARC sets among FIELDS (DkimmodHeaderField*),
 * the AMS and AS parsed with NOW and CLOCK_DRIFT (sigparse.c). Never
 * NULL: a chain that cannot be verified has its reason in ->fail. */
DkimmodArcChain *dkimmod_arc_chain_collect (const GPtrArray *fields, gint64 now,
                                            gint64 clock_drift);
void dkimmod_arc_chain_free (DkimmodArcChain *chain);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodArcChain, dkimmod_arc_chain_free)

/* The instance of an ARC-Authentication-Results value ("i=N;" first,
 * RFC 8617 4.1.1), 0 when it has none. */
guint dkimmod_arc_aar_instance (const char *value, gsize len);

G_END_DECLS

#endif /* DKIMMOD_ARC_SET_H */
