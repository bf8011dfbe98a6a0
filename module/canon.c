/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	canon.c - simple and relaxed canonicalization; streaming body hash
 * SYNOPSIS
 *	dkimmod_canon_header, dkimmod_body_hash_new, dkimmod_body_hash_update,
 *	dkimmod_body_hash_finish, dkimmod_body_hash_free,
 *	dkimmod_body_hash_set_limit, dkimmod_body_hash_length,
 *	dkimmod_body_hash_collected, dkimmod_body_hash_canon
 * DESCRIPTION
 *	Header canonicalization works on one complete field. Body
 *	canonicalization is a small state machine fed chunks cut anywhere
 *	(also between CR and LF). What cannot be decided yet is counted, not
 *	stored: empty lines (dropped if nothing follows them), a whitespace
 *	run (relaxed: one SP if a non-WSP byte follows on the line, nothing
 *	at line end), a CR (a line end only if LF follows). Only CRLF ends a
 *	line; bare CR and bare LF are ordinary bytes.
 *	Speed: canonical bytes are gathered in a 16 KiB buffer and handed to
 *	EVP_DigestUpdate in large blocks. Runs of bytes that relaxed
 *	canonicalization leaves alone (anything but TAB, CR, or an SP followed
 *	by WSP or CR) are found 16 bytes at a time with SSE2 where available.
 * STANDARDS
 *	RFC 6376 sections 3.4.1 to 3.4.5 (errata 3133: relaxed body of
 *	only empty lines is empty), 3.7 (the body hash).
 * SECURITY
 *	Memory is constant in body size; the empty line counter is 64-bit.
 * NEVER
 *	Feed the digest byte by byte; keep the body.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "canon-private.h"
#include "msgparse.h"

#define OUT_BUF 16384

struct DkimmodBodyHash {
  DkimmodCanon canon;
  EVP_MD_CTX *md;           /* NULL: collect into COLLECT */
  GByteArray *collect;
  guint64 limit;            /* canonical bytes to hash at most */
  guint64 length;           /* canonical bytes produced */
  guint64 pending_crlf;     /* empty lines not yet known to be inner */
  gboolean pending_wsp;     /* relaxed: WSP run seen, not yet emitted */
  gboolean pending_cr;      /* CR seen, meaning depends on next byte */
  gboolean line_nonempty;   /* the current line has emitted content */
  gboolean finished;
  gsize out_len;
  guchar out[OUT_BUF];
};

/* Lookup table: bytes relaxed body canonicalization may change. */
static const guchar wsp_or_cr[256] = { ['\t'] = 1, [' '] = 1, ['\r'] = 1 };

/* is_wsp - RFC 5234 WSP */
static inline gboolean
is_wsp (guchar c)
{
  return c == ' ' || c == '\t';
}

gboolean
dkimmod_canon_header (DkimmodCanon canon, const char *field, gsize len, GString *out)
{
  gsize name_len, value_off, i;
  gboolean wsp = FALSE, started = FALSE;

  if (!dkimmod_header_split (field, len, &name_len, &value_off))
    return FALSE;
  if (len >= 2 && field[len - 2] == '\r' && field[len - 1] == '\n')
    len -= 2;
  if (canon == DKIMMOD_CANON_SIMPLE)
    {
      g_string_append_len (out, field, len);
      g_string_append_len (out, "\r\n", 2);
      return TRUE;
    }
  for (i = 0; i < name_len; i++)
    g_string_append_c (out, g_ascii_tolower (field[i]));
  g_string_append_c (out, ':');
  /* Unfold (drop CRLF), squeeze WSP runs to one SP, drop WSP after the
   * colon and at the end of the value. */
  for (i = value_off; i < len; i++)
    {
      guchar c = (guchar) field[i];

      if (c == '\r' && i + 1 < len && field[i + 1] == '\n')
        {
          i++;
          continue;
        }
      if (is_wsp (c))
        {
          wsp = TRUE;
          continue;
        }
      if (wsp && started)
        g_string_append_c (out, ' ');
      wsp = FALSE;
      started = TRUE;
      g_string_append_c (out, (char) c);
    }
  g_string_append_len (out, "\r\n", 2);
  return TRUE;
}

DkimmodBodyHash *
dkimmod_body_hash_new (DkimmodCanon canon, const EVP_MD *md, GError **error)
{
  /* Not g_new0: the 16 KiB output buffer needs no zeroing. */
  DkimmodBodyHash *bh = g_new (DkimmodBodyHash, 1);

  memset (bh, 0, G_STRUCT_OFFSET (DkimmodBodyHash, out));
  bh->canon = canon;
  bh->limit = G_MAXUINT64;
  if (md == NULL)
    bh->collect = g_byte_array_new ();
  else
    {
      bh->md = EVP_MD_CTX_new ();
      if (bh->md == NULL || EVP_DigestInit_ex (bh->md, md, NULL) != 1)
        {
          dkimmod_set_crypto_error (error, "EVP_DigestInit_ex");
          dkimmod_body_hash_free (bh);
          return NULL;
        }
    }
  return bh;
}

void
dkimmod_body_hash_free (DkimmodBodyHash *bh)
{
  if (bh == NULL)
    return;
  EVP_MD_CTX_free (bh->md);
  if (bh->collect != NULL)
    g_byte_array_unref (bh->collect);
  g_free (bh);
}

void
dkimmod_body_hash_set_limit (DkimmodBodyHash *bh, guint64 limit)
{
  bh->limit = limit;
}

/* sink - hands canonical bytes to the digest, honouring the limit */
static void
sink (DkimmodBodyHash *bh, const guchar *p, gsize n)
{
  guint64 before = bh->length;

  bh->length += n;
  if (before >= bh->limit)
    return;
  if (n > bh->limit - before)
    n = (gsize) (bh->limit - before);
  if (bh->md != NULL)
    EVP_DigestUpdate (bh->md, p, n);
  else
    g_byte_array_append (bh->collect, p, (guint) n);
}

/* flush - empties the output buffer into the digest */
static void
flush (DkimmodBodyHash *bh)
{
  if (bh->out_len > 0)
    sink (bh, bh->out, bh->out_len);
  bh->out_len = 0;
}

/* emit - appends canonical bytes, large blocks bypassing the buffer */
static inline void
emit (DkimmodBodyHash *bh, const guchar *p, gsize n)
{
  if (G_UNLIKELY (n > OUT_BUF - bh->out_len))
    {
      flush (bh);
      if (n >= OUT_BUF)
        {
          sink (bh, p, n);
          return;
        }
    }
  memcpy (bh->out + bh->out_len, p, n);
  bh->out_len += n;
}

/* emit_byte - appends one canonical byte (no library call) */
static inline void
emit_byte (DkimmodBodyHash *bh, guchar c)
{
  if (G_UNLIKELY (bh->out_len == OUT_BUF))
    flush (bh);
  bh->out[bh->out_len++] = c;
}

/* emit_crlf - appends CRLF */
static inline void
emit_crlf (DkimmodBodyHash *bh)
{
  if (G_UNLIKELY (bh->out_len + 2 > OUT_BUF))
    flush (bh);
  bh->out[bh->out_len++] = '\r';
  bh->out[bh->out_len++] = '\n';
}

/* content_prefix - before content on a line: held empty lines and WSP */
static inline void
content_prefix (DkimmodBodyHash *bh)
{
  while (G_UNLIKELY (bh->pending_crlf > 0))
    {
      emit_crlf (bh);
      bh->pending_crlf--;
    }
  if (bh->pending_wsp)
    {
      emit_byte (bh, ' ');
      bh->pending_wsp = FALSE;
    }
  bh->line_nonempty = TRUE;
}

/* line_end - a CRLF: kept after content, counted after an empty line */
static inline void
line_end (DkimmodBodyHash *bh)
{
  if (bh->line_nonempty)
    emit_crlf (bh);
  else
    bh->pending_crlf++;
  bh->line_nonempty = FALSE;
  bh->pending_wsp = FALSE;
}

/* resolve_cr - a held CR meets byte C: returns TRUE if it was a line end */
static inline gboolean
resolve_cr (DkimmodBodyHash *bh, guchar c)
{
  bh->pending_cr = FALSE;
  if (c == '\n')
    {
      line_end (bh);
      return TRUE;
    }
  content_prefix (bh);
  emit_byte (bh, '\r');
  return FALSE;
}

/* relaxed_run - end of the run starting at P that relaxed leaves as is */
static inline const guchar *
relaxed_run (const guchar *p, const guchar *end)
{
#if defined(__SSE2__)
  const __m128i sp = _mm_set1_epi8 (' '), tab = _mm_set1_epi8 ('\t'), cr = _mm_set1_epi8 ('\r');

  /* Both loads must stay inside the chunk: need 17 bytes. */
  while (end - p >= 17)
    {
      __m128i v = _mm_loadu_si128 ((const __m128i *) p);
      __m128i w = _mm_loadu_si128 ((const __m128i *) (p + 1));
      __m128i vsp = _mm_cmpeq_epi8 (v, sp);
      __m128i hard = _mm_or_si128 (_mm_cmpeq_epi8 (v, tab), _mm_cmpeq_epi8 (v, cr));
      __m128i wnext = _mm_or_si128 (_mm_or_si128 (_mm_cmpeq_epi8 (w, sp), _mm_cmpeq_epi8 (w, tab)),
                                    _mm_cmpeq_epi8 (w, cr));
      /* Stop at TAB, CR, or SP followed by WSP/CR. */
      unsigned mask = (unsigned) _mm_movemask_epi8 (_mm_or_si128 (hard, _mm_and_si128 (vsp, wnext)));

      if (mask != 0)
        return p + __builtin_ctz (mask);
      p += 16;
    }
#endif
  while (p < end)
    {
      if (G_LIKELY (!wsp_or_cr[*p]))
        p++;
      else if (*p == ' ' && p + 1 < end && !wsp_or_cr[p[1]])
        p += 2;
      else
        break;
    }
  return p;
}

/* relaxed_update - RFC 6376 3.4.4 on one chunk */
static void
relaxed_update (DkimmodBodyHash *bh, const guchar *p, const guchar *end)
{
  while (p < end)
    {
      const guchar *q;

      if (G_UNLIKELY (bh->pending_cr) && resolve_cr (bh, *p))
        {
          p++;
          continue;
        }
      if (is_wsp (*p))
        {
          bh->pending_wsp = TRUE;
          p++;
          continue;
        }
      if (*p == '\r')
        {
          bh->pending_cr = TRUE;
          p++;
          continue;
        }
      content_prefix (bh);
      q = relaxed_run (p + 1, end);
      emit (bh, p, (gsize) (q - p));
      p = q;
    }
}

/* simple_update - RFC 6376 3.4.3 on one chunk */
static void
simple_update (DkimmodBodyHash *bh, const guchar *p, const guchar *end)
{
  while (p < end)
    {
      const guchar *q;

      if (G_UNLIKELY (bh->pending_cr) && resolve_cr (bh, *p))
        {
          p++;
          continue;
        }
      if (*p == '\r')
        {
          bh->pending_cr = TRUE;
          p++;
          continue;
        }
      q = memchr (p, '\r', (gsize) (end - p));
      if (q == NULL)
        q = end;
      content_prefix (bh);
      emit (bh, p, (gsize) (q - p));
      p = q;
    }
}

void
dkimmod_body_hash_update (DkimmodBodyHash *bh, const void *data, gsize len)
{
  const guchar *p = data;

  g_return_if_fail (bh != NULL && !bh->finished);
  if (len == 0)
    return;
  if (bh->canon == DKIMMOD_CANON_RELAXED)
    relaxed_update (bh, p, p + len);
  else
    simple_update (bh, p, p + len);
}

/* finish_canon - ends the body: a last CR is content, an unterminated
 * line gets CRLF, trailing empty lines are dropped, an empty simple
 * body becomes CRLF */
static void
finish_canon (DkimmodBodyHash *bh)
{
  if (bh->pending_cr)
    {
      /* the body ends in a bare CR: content, so held WSP before it stays */
      bh->pending_cr = FALSE;
      content_prefix (bh);
      emit_byte (bh, '\r');
    }
  if (bh->line_nonempty)
    emit_crlf (bh);
  bh->line_nonempty = FALSE;
  bh->pending_crlf = 0;
  bh->pending_wsp = FALSE;
  if (bh->canon == DKIMMOD_CANON_SIMPLE && bh->length == 0 && bh->out_len == 0)
    emit_crlf (bh);
  flush (bh);
  bh->finished = TRUE;
}

gboolean
dkimmod_body_hash_finish (DkimmodBodyHash *bh, guchar *digest, guint *digest_len, GError **error)
{
  g_return_val_if_fail (bh != NULL && !bh->finished, FALSE);
  finish_canon (bh);
  if (bh->md == NULL)
    {
      if (digest_len != NULL)
        *digest_len = 0;
      return TRUE;
    }
  if (EVP_DigestFinal_ex (bh->md, digest, digest_len) != 1)
    {
      dkimmod_set_crypto_error (error, "EVP_DigestFinal_ex");
      return FALSE;
    }
  return TRUE;
}

guint64
dkimmod_body_hash_length (const DkimmodBodyHash *bh)
{
  return bh->length + bh->out_len;
}

GByteArray *
dkimmod_body_hash_collected (DkimmodBodyHash *bh)
{
  return bh->collect;
}

DkimmodCanon
dkimmod_body_hash_canon (const DkimmodBodyHash *bh)
{
  return bh->canon;
}
