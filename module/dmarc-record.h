/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dmarc-record.h - DMARC policy records (private)
 * DESCRIPTION
 *	One TXT record's text into its tags. dkimmod_dmarc_record_parse()
 *	says whether the text is a DMARC record at all (it starts with the
 *	version tag v=DMARC1); what a record with a bad p= means is decided by
 *	the caller (dmarc.c), which knows the standard it follows.
 */
#ifndef DKIMMOD_DMARC_RECORD_H
#define DKIMMOD_DMARC_RECORD_H

#include <glib.h>

#include "dkimmod.h"

G_BEGIN_DECLS

/* A record longer than this is not read (a TXT record of 16 strings of
 * 255 bytes is 4080; real DMARC records are under 300). */
#define DKIMMOD_LIMIT_DMARC_RECORD_BYTES 4096u

typedef struct {
  DkimmodDmarcPolicy p, sp, np;   /* ABSENT when the tag is absent or invalid */
  gboolean p_invalid, sp_invalid, np_invalid;  /* present with a bad value */
  gboolean strict_dkim, strict_spf;  /* adkim=s, aspf=s (anything else: relaxed) */
  guint pct;          /* 0..100; 100 when absent or invalid */
  gboolean testing;   /* t=y */
  char psd;           /* 'y', 'n' or 'u' (absent or invalid) */
  gboolean rua_valid; /* rua= holds at least one syntactically valid URI */
} DkimmodDmarcRecord;

/* TRUE when TXT (LEN bytes) is a DMARC record (v=DMARC1 first, exact
 * case); its tags are then in *REC. Unknown tags and bad values of
 * optional tags are ignored (RFC 9989 section 4.7, RFC 7489 6.3). */
gboolean dkimmod_dmarc_record_parse (const char *txt, gsize len, DkimmodDmarcRecord *rec);

G_END_DECLS

#endif /* DKIMMOD_DMARC_RECORD_H */
