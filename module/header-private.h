/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	header-private.h - header fields and the choice of signed headers
 */
#ifndef DKIMMOD_HEADER_PRIVATE_H
#define DKIMMOD_HEADER_PRIVATE_H

#include "error-private.h"
/* dkimmod_header_split (implemented in header.c) */
#include "msgparse.h"

G_BEGIN_DECLS

/* One stored header field: its lower-case name and the bytes as given. */
typedef struct {
  char *lname;
  gsize len;
  char *data;
} DkimmodHeaderField;

/* Copies FIELD after checking its syntax (name, colon, and no line end
 * that is not followed by WSP, i.e. exactly one field). */
DkimmodHeaderField *dkimmod_header_field_new (const char *field, gsize len, GError **error);
void dkimmod_header_field_free (DkimmodHeaderField *f);
/* A verifier's add_header: counts FIELD against DKIMMOD_LIMIT_HEADER_COUNT
 * (*COUNT) and _BYTES (*BYTES) and keeps a copy in FIELDS; a field that is
 * not one (no name and colon) is counted but not kept. FALSE with a
 * DKIMMOD_E_LIMIT error over a limit. */
gboolean dkimmod_header_keep (GPtrArray *fields, guint *count, gsize *bytes, const char *field,
                              gsize len, GError **error);

/* Which headers one signature signs: the sign list, the names always
 * oversigned, and whether the "oversign when present" set applies. */
typedef struct {
  GPtrArray *sign;          /* lower-case names, no duplicates */
  GPtrArray *oversign;      /* lower-case names, no duplicates */
  gboolean oversign_present;
} DkimmodHeaderPlan;

/* Builds a plan from a DkimmodSignSpec's headers/oversign strings (NULL
 * = defaults, oversign "" = no oversigning at all). */
DkimmodHeaderPlan *dkimmod_header_plan_new (const char *headers, const char *oversign,
                                            GError **error);
void dkimmod_header_plan_free (DkimmodHeaderPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodHeaderPlan, dkimmod_header_plan_free)

/* Parses a colon list into lower-case names (duplicates dropped);
 * FALSE on a name that is not RFC 5322 ftext. */
GPtrArray *dkimmod_header_name_list (const char *list, GError **error);

/* The h= list for FIELDS (DkimmodHeaderField*): each name once per
 * instance present, plus one more when oversigned. Transfer container
 * (strings owned by PLAN). */
GPtrArray *dkimmod_header_select (const DkimmodHeaderPlan *plan, const GPtrArray *fields);

/* Appends the canonical form of the fields named by H, instances taken
 * bottom-up (RFC 6376 5.4.2); names beyond the instances add nothing. */
void dkimmod_header_hash_input (const GPtrArray *fields, const GPtrArray *h, DkimmodCanon canon,
                                GString *out);

G_END_DECLS

#endif /* DKIMMOD_HEADER_PRIVATE_H */
