/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-canon.c - fuzz DKIM canonicalization; chunked equals unchunked
 * DESCRIPTION
 *	Input: one control byte, then a body (also used as a header field).
 *	Control bit 0 picks simple or relaxed; bit 1 sets an l= limit (the
 *	second byte's value); bits 4-7 the chunk pattern. Properties, each a
 *	fuzz_check:
 *	  - the body fed whole and fed in chunks cut anywhere (also between
 *	    CR and LF) gives the same digest and the same canonical length;
 *	  - the digest equals SHA-256 over the collected canonical body (the
 *	    tests' collect mode and the signer's hash mode agree);
 *	  - canonicalizing the canonical body again changes nothing;
 *	  - a header field, canonicalized twice, stays the same (relaxed).
 *	The 100%-CPU relaxed canonicalizers of other filters were caught by
 *	the fuzzer's per-input timeout.
 * STANDARDS
 *	RFC 6376 sections 3.4.1 to 3.4.5.
 */
#include <string.h>
#include <glib.h>
#include <openssl/evp.h>

#include "canon-private.h"
#include "fuzz.h"

/* feed - BODY through a new hasher in chunks from PATTERN (0: whole) */
static DkimmodBodyHash *
feed (DkimmodCanon canon, const EVP_MD *md, const guint8 *body, gsize len, guint pattern,
      gboolean limited, guint64 limit)
{
  DkimmodBodyHash *bh = dkimmod_body_hash_new (canon, md, NULL);
  gsize off = 0, step = 1;

  fuzz_check (bh != NULL);
  if (limited)
    dkimmod_body_hash_set_limit (bh, limit);
  if (pattern == 0)
    {
      dkimmod_body_hash_update (bh, body, len);
      return bh;
    }
  while (off < len)
    {
      gsize n = MIN (step, len - off);

      dkimmod_body_hash_update (bh, body + off, n);
      off += n;
      step = step % pattern + 1;
      /* an empty update in the middle must change nothing */
      dkimmod_body_hash_update (bh, body + off, 0);
    }
  return bh;
}

/* digest - finishes BH; returns the digest length */
static guint
digest (DkimmodBodyHash *bh, guchar *out)
{
  guint n = 0;

  fuzz_check (dkimmod_body_hash_finish (bh, out, &n, NULL));
  return n;
}

/* one_field - every CRLF but a final one is followed by WSP (a fold), as
 * in each field msgparse returns; the signer and the verifier refuse
 * anything else ("two fields in one call") */
static gboolean
one_field (const char *field, gsize len)
{
  for (gsize i = 0; i + 2 < len; i++)
    if (field[i] == '\r' && field[i + 1] == '\n' && field[i + 2] != ' ' && field[i + 2] != '\t')
      return FALSE;
  return TRUE;
}

/* check_header - relaxed header canonicalization is idempotent on one
 * field. (On two fields glued together it is not: removing "\r\n" from
 * "\r\r\n\n" makes a new CRLF; no caller can pass that.) */
static void
check_header (DkimmodCanon canon, const char *field, gsize len)
{
  g_autoptr (GString) once = g_string_new (NULL);
  g_autoptr (GString) twice = g_string_new (NULL);

  if (!dkimmod_canon_header (canon, field, len, once))
    {
      fuzz_check (once->len == 0);
      return;
    }
  fuzz_check (once->len >= 2 && memcmp (once->str + once->len - 2, "\r\n", 2) == 0);
  if (canon == DKIMMOD_CANON_RELAXED && one_field (field, len))
    {
      fuzz_check (dkimmod_canon_header (canon, once->str, once->len, twice));
      fuzz_check (g_string_equal (once, twice));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guchar whole[EVP_MAX_MD_SIZE], cut[EVP_MAX_MD_SIZE], of_collected[EVP_MAX_MD_SIZE];
  guint n_whole, n_cut, n_coll;
  DkimmodCanon canon;
  gboolean limited;
  guint64 limit;
  guint pattern;
  const guint8 *body;
  gsize len;

  if (size < 2)
    return 0;
  canon = (data[0] & 1) ? DKIMMOD_CANON_RELAXED : DKIMMOD_CANON_SIMPLE;
  limited = (data[0] & 2) != 0;
  limit = data[1];
  pattern = (data[0] >> 4) + 1;
  body = data + 2;
  len = size - 2;

  g_autoptr (DkimmodBodyHash) a = feed (canon, EVP_sha256 (), body, len, 0, limited, limit);
  g_autoptr (DkimmodBodyHash) b = feed (canon, EVP_sha256 (), body, len, pattern, limited, limit);
  g_autoptr (DkimmodBodyHash) c = feed (canon, NULL, body, len, pattern, FALSE, 0);
  n_whole = digest (a, whole);
  n_cut = digest (b, cut);
  fuzz_check (n_whole == 32 && n_cut == 32 && memcmp (whole, cut, 32) == 0);
  fuzz_check (dkimmod_body_hash_length (a) == dkimmod_body_hash_length (b));
  (void) digest (c, of_collected);

  /* Collect mode holds the canonical body; hashing it gives the digest
   * (when l= cut nothing off). */
  GByteArray *canonical = dkimmod_body_hash_collected (c);
  fuzz_check (canonical != NULL && canonical->len == dkimmod_body_hash_length (a));
  n_coll = 0;
  fuzz_check (EVP_Digest (canonical->data, canonical->len, of_collected, &n_coll, EVP_sha256 (),
                          NULL) == 1);
  if (!limited)
    fuzz_check (memcmp (of_collected, whole, 32) == 0);
  else
    {
      gsize keep = MIN (limit, canonical->len);

      fuzz_check (EVP_Digest (canonical->data, keep, of_collected, &n_coll, EVP_sha256 (),
                              NULL) == 1);
      fuzz_check (memcmp (of_collected, whole, 32) == 0);
    }

  /* The canonical form is a fixed point. */
  g_autoptr (DkimmodBodyHash) again = feed (canon, NULL, canonical->data, canonical->len,
                                            pattern, FALSE, 0);
  guchar unused[EVP_MAX_MD_SIZE];
  (void) digest (again, unused);
  GByteArray *twice = dkimmod_body_hash_collected (again);
  fuzz_check (twice->len == canonical->len
              && (twice->len == 0 || memcmp (twice->data, canonical->data, twice->len) == 0));

  check_header (canon, (const char *) body, len);
  return 0;
}
