/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	tagparse.h - RFC 6376 tag=value lists (private)
 * DESCRIPTION
 *	Splits a DKIM-Signature value or a key record into tags without
 *	copying: every tag points into the caller's buffer, which need not be
 *	NUL-terminated and must outlive the list. Also the error domain that
 *	the record parsers (tag lists, key records, signatures) share: its
 *	codes say how a verifier must classify the problem.
 */
#ifndef DKIMMOD_TAGPARSE_H
#define DKIMMOD_TAGPARSE_H

#include <glib.h>

G_BEGIN_DECLS

/* Tags in one tag-list: a DKIM-Signature has 14 defined tags, a key
 * record 7; anything near this bound is hostile. */
#define DKIMMOD_LIMIT_TAGS 64u

/* Record problems, each mapped to an RFC 8601 result by the verifier. */
#define DKIMMOD_RECORD_ERROR (dkimmod_record_error_quark ())
GQuark dkimmod_record_error_quark (void);

typedef enum {
  DKIMMOD_RECORD_ERROR_SYNTAX,      /* malformed: permerror */
  DKIMMOD_RECORD_ERROR_UNSUPPORTED, /* unknown version, key type, ...: permerror */
  DKIMMOD_RECORD_ERROR_REVOKED,     /* empty p=: permerror "key revoked" */
  DKIMMOD_RECORD_ERROR_POLICY,      /* acceptable syntax, refused by policy: policy */
  DKIMMOD_RECORD_ERROR_LIMIT,       /* over a bound: permerror */
} DkimmodRecordError;

typedef struct {
  const char *name;
  gsize name_len;
  const char *value;      /* tag-value, surrounding FWS excluded */
  gsize value_len;
  const char *raw_value;  /* everything between '=' and ';' (or the end) */
  gsize raw_value_len;
} DkimmodTag;

typedef struct {
  DkimmodTag tags[DKIMMOD_LIMIT_TAGS];
  guint n_tags;
} DkimmodTagList;

/* Parses DATA (LEN bytes) as an RFC 6376 3.2 tag-list into LIST.
 * Duplicate tag names, bad names or characters and more than
 * DKIMMOD_LIMIT_TAGS tags are errors in DKIMMOD_RECORD_ERROR. */
gboolean dkimmod_tag_list_parse (const char *data, gsize len, DkimmodTagList *list,
                                 GError **error);
/* The tag named NAME (case-sensitive, as RFC 6376 3.2 says), or NULL. */
const DkimmodTag *dkimmod_tag_list_find (const DkimmodTagList *list, const char *name);
/* The value of TAG as a new string with all whitespace (FWS) removed,
 * for base64 values such as b=, bh= and p= (transfer full). */
char *dkimmod_tag_value_strip_fws (const DkimmodTag *tag);
/* The value as a new NUL-terminated string, unchanged (transfer full). */
char *dkimmod_tag_value_dup (const DkimmodTag *tag);
/* TRUE when TAG's value equals S exactly (byte comparison). */
gboolean dkimmod_tag_value_equal (const DkimmodTag *tag, const char *s);
/* As dkimmod_tag_value_equal, ASCII case ignored: RFC 6376's ABNF literal
 * strings ("relaxed", "rsa-sha256", "dns/txt", "rsa") are case-insensitive
 * (RFC 5234 section 2.3). */
gboolean dkimmod_tag_value_equal_ci (const DkimmodTag *tag, const char *s);

G_END_DECLS

#endif /* DKIMMOD_TAGPARSE_H */
