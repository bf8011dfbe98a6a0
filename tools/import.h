/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	import.h - "dkimmod import": DKIMproxy and OpenDKIM tables to dkimmod.conf
 * DESCRIPTION
 *	The readers (import-dkimproxy.c, import-opendkim.c) turn the old
 *	files into an ImportConf: signing defaults plus sender_map entries
 *	in the order they are written out. import-model.c holds the model,
 *	the warnings and the writer of the libconfig text. Warnings go to
 *	stderr as "dkimmod: import: FILE:LINE: what changes", one per fact
 *	a postmaster must know (unsafe old behaviour, entries that could not
 *	be carried over); faults (a file that cannot be read, an entry the
 *	old program could never have signed with) are errors.
 */
#ifndef DKIMMOD_IMPORT_H
#define DKIMMOD_IMPORT_H

#include <glib.h>

G_BEGIN_DECLS

/* One signature: NULL fields are not written (inherited from defaults). */
typedef struct
{
  char *s, *d, *i, *c, *a, *h, *key;
} ImportSig;

typedef struct
{
  char *sender;       /* lower case */
  GPtrArray *sigs;    /* of ImportSig */
  char *origin;       /* "FILE:LINE" written as a comment */
} ImportEntry;

typedef struct
{
  const char *program;       /* "DKIMproxy" or "OpenDKIM", for comments */
  char *sources;             /* the files read, for the header comment */
  const char *sender_source; /* "from" or "sender-then-from" */
  ImportSig defaults;        /* d and i never set */
  GPtrArray *entries;        /* of ImportEntry, output order */
  GHashTable *index;         /* sender -> ImportEntry (owned by entries) */
  GPtrArray *notes;          /* comment lines for the top of the file */
  guint warnings;
} ImportConf;

ImportConf *dkimmod_import_conf_new (const char *program);
void dkimmod_import_conf_free (ImportConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImportConf, dkimmod_import_conf_free)

ImportSig *dkimmod_import_sig_new (void);
void dkimmod_import_sig_free (ImportSig *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImportSig, dkimmod_import_sig_free)

/* Appends an entry for SENDER (lowered) taking SIGS; NULL when SENDER is
 * already present (the caller decides which one the old program used). */
ImportEntry *dkimmod_import_add_entry (ImportConf *conf, const char *sender, GPtrArray *sigs,
                                       const char *origin);
ImportEntry *dkimmod_import_find (ImportConf *conf, const char *sender);
void dkimmod_import_warn (ImportConf *conf, const char *file, guint line, const char *fmt, ...)
  G_GNUC_PRINTF (4, 5);

/* The libconfig text of CONF. */
char *dkimmod_import_write (const ImportConf *conf);

/* Readers: TRUE on success (warnings may have been printed). */
gboolean dkimmod_import_dkimproxy (ImportConf *conf, const char *sender_map, const char *conf_file,
                                   GError **error);
gboolean dkimmod_import_opendkim (ImportConf *conf, const char *key_table,
                                  const char *signing_table, GError **error);

/* Reads a whole table file into lines ("file:" / "refile:" prefixes are
 * the caller's business); CRs at line ends are removed and counted. */
GStrv dkimmod_import_read_lines (const char *path, guint *n_cr, GError **error);

G_END_DECLS

#endif /* DKIMMOD_IMPORT_H */
