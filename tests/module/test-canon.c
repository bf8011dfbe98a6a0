/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-canon.c - header and body canonicalization (RFC 6376 3.4)
 * DESCRIPTION
 *	Table-driven header cases; golden body vectors in data/canon (each
 *	NAME.in with NAME.relaxed.ref and NAME.simple.ref, the refs made by
 *	dkimpy except where the RFC reading differs, see below) fed whole, in
 *	every two-piece cut and byte by byte; a differential test against a
 *	naive line-by-line implementation on random bodies with random
 *	chunking (it exercises the SSE2 run scanner); the l= limit; constant
 *	memory for a huge run of blank lines.
 */
#include <string.h>

#include "canon-private.h"

typedef struct {
  DkimmodCanon canon;
  const char *in;
  const char *out;   /* NULL: malformed */
} HeaderCase;

static const HeaderCase header_cases[] = {
  /* RFC 6376 3.4.5 example */
  { DKIMMOD_CANON_RELAXED, "A: X\r\n", "a:X\r\n" },
  { DKIMMOD_CANON_RELAXED, "B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n" },
  { DKIMMOD_CANON_SIMPLE, "A: X\r\n", "A: X\r\n" },
  { DKIMMOD_CANON_SIMPLE, "B : Y\t\r\n\tZ  \r\n", "B : Y\t\r\n\tZ  \r\n" },
  /* without the final CRLF, it is added */
  { DKIMMOD_CANON_RELAXED, "Subject: hi", "subject:hi\r\n" },
  { DKIMMOD_CANON_SIMPLE, "Subject: hi", "Subject: hi\r\n" },
  /* empty and whitespace-only values */
  { DKIMMOD_CANON_RELAXED, "Subject:\r\n", "subject:\r\n" },
  { DKIMMOD_CANON_RELAXED, "X-Empty:  \t \r\n", "x-empty:\r\n" },
  /* whitespace runs inside the value, folding in the middle of a word run */
  { DKIMMOD_CANON_RELAXED, "To:  a   b\t\tc \r\n  d\r\n", "to:a b c d\r\n" },
  { DKIMMOD_CANON_RELAXED, "X-Fold:\r\n value\r\n", "x-fold:value\r\n" },
  /* name case, 8-bit value bytes kept */
  { DKIMMOD_CANON_RELAXED, "SUBJECT: \xc3\xa9t\xc3\xa9\r\n", "subject:\xc3\xa9t\xc3\xa9\r\n" },
  /* malformed */
  { DKIMMOD_CANON_RELAXED, "no colon here\r\n", NULL },
  { DKIMMOD_CANON_RELAXED, ": no name\r\n", NULL },
};

static void
test_header_table (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (header_cases); i++)
    {
      const HeaderCase *c = &header_cases[i];
      g_autoptr (GString) out = g_string_new (NULL);
      gboolean ok = dkimmod_canon_header (c->canon, c->in, strlen (c->in), out);

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, c->in);
      if (c->out == NULL)
        {
          g_assert_false (ok);
          g_assert_cmpuint (out->len, ==, 0);
        }
      else
        {
          g_assert_true (ok);
          g_assert_cmpstr (out->str, ==, c->out);
        }
    }
}

/* naive_header - relaxed header canonicalization the obvious way */
static char *
naive_header (const char *field)
{
  const char *colon = strchr (field, ':');
  g_autofree char *name = g_ascii_strdown (field, colon - field);
  g_autoptr (GString) v = g_string_new (NULL);
  g_autofree char *value = NULL;
  GString *sq = g_string_new (NULL);

  g_strchomp (name);   /* WSP before the colon */
  for (const char *p = colon + 1; *p != '\0'; p++)
    if (p[0] == '\r' && p[1] == '\n')
      p++;
    else
      g_string_append_c (v, *p);
  for (const char *p = v->str; *p != '\0'; p++)
    if (*p == ' ' || *p == '\t')
      {
        if (sq->len == 0 || sq->str[sq->len - 1] != ' ')
          g_string_append_c (sq, ' ');
      }
    else
      g_string_append_c (sq, *p);
  value = g_strstrip (g_string_free (sq, FALSE));
  return g_strdup_printf ("%s:%s\r\n", name, value);
}

static void
test_header_random (void)
{
  static const char *units[] = { "a", "B", "x", " ", "\t", "  ", "\r\n ", "\r\n\t", "\xc3\xa9", ";" };

  for (int iter = 0; iter < 3000; iter++)
    {
      g_autoptr (GString) f = g_string_new (NULL);
      g_autoptr (GString) rel = g_string_new (NULL);
      g_autoptr (GString) sim = g_string_new (NULL);
      g_autofree char *want = NULL;
      int nlen = g_test_rand_int_range (1, 9), vlen = g_test_rand_int_range (0, 20);

      for (int i = 0; i < nlen; i++)
        g_string_append_c (f, "AbcZ-x"[g_test_rand_int_range (0, 6)]);
      if (g_test_rand_bit ())
        g_string_append (f, g_test_rand_bit () ? " " : "\t");
      g_string_append_c (f, ':');
      for (int i = 0; i < vlen; i++)
        g_string_append (f, units[g_test_rand_int_range (0, G_N_ELEMENTS (units))]);
      /* a fold may not end the field: it would be an empty continuation */
      while (g_str_has_suffix (f->str, "\r\n ") || g_str_has_suffix (f->str, "\r\n\t"))
        g_string_append_c (f, 'z');
      want = naive_header (f->str);
      if (g_test_rand_bit ())
        g_string_append (f, "\r\n");
      g_assert_true (dkimmod_canon_header (DKIMMOD_CANON_RELAXED, f->str, f->len, rel));
      g_assert_cmpstr (rel->str, ==, want);
      g_assert_true (dkimmod_canon_header (DKIMMOD_CANON_SIMPLE, f->str, f->len, sim));
      g_assert_true (g_str_has_suffix (sim->str, "\r\n"));
      g_assert_cmpint (strncmp (sim->str, f->str, sim->len - 2), ==, 0);
    }
}

/* canon_chunks - canonical body of DATA fed in pieces cut at CUTS */
static GBytes *
canon_chunks (DkimmodCanon canon, const guchar *data, gsize len, const gsize *cuts, gsize ncuts)
{
  g_autoptr (DkimmodBodyHash) bh = dkimmod_body_hash_new (canon, NULL, NULL);
  gsize prev = 0;
  GByteArray *a;

  for (gsize i = 0; i <= ncuts; i++)
    {
      gsize end = i < ncuts ? cuts[i] : len;

      dkimmod_body_hash_update (bh, data + prev, end - prev);
      prev = end;
    }
  g_assert_true (dkimmod_body_hash_finish (bh, NULL, NULL, NULL));
  a = dkimmod_body_hash_collected (bh);
  g_assert_cmpuint (dkimmod_body_hash_length (bh), ==, a->len);
  return g_bytes_new (a->data, a->len);
}

/* assert_bytes - equal GBytes, with a readable message */
static void
assert_bytes (GBytes *got, GBytes *want, const char *what)
{
  if (!g_bytes_equal (got, want))
    {
      g_autofree char *raw = g_strndup (g_bytes_get_data (got, NULL), g_bytes_get_size (got));
      g_autofree char *g = g_strescape (raw, NULL);
      g_test_message ("%s: got \"%s\"", what, g);
      g_test_fail ();
    }
}

/* check_vector - one body fed every way against its expected form */
static void
check_vector (DkimmodCanon canon, GBytes *in, GBytes *want, const char *name)
{
  gsize len;
  const guchar *data = g_bytes_get_data (in, &len);
  g_autoptr (GBytes) whole = canon_chunks (canon, data, len, NULL, 0);
  g_autofree gsize *bytewise = g_new (gsize, len + 1);

  assert_bytes (whole, want, name);
  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (GBytes) got = canon_chunks (canon, data, len, &cut, 1);

      assert_bytes (got, want, name);
    }
  for (gsize i = 0; i < len; i++)
    bytewise[i] = i + 1;
  {
    g_autoptr (GBytes) got = canon_chunks (canon, data, len, bytewise, len > 0 ? len - 1 : 0);

    assert_bytes (got, want, name);
  }
}

static void
test_body_golden (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "data", "canon", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  guint n = 0;

  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *base = NULL;

      if (!g_str_has_suffix (entry, ".in"))
        continue;
      base = g_strndup (entry, strlen (entry) - 3);
      for (int canon = 0; canon <= 1; canon++)
        {
          g_autofree char *in_path = g_build_filename (dir, entry, NULL);
          g_autofree char *ref_name = g_strdup_printf ("%s.%s.ref", base, canon ? "relaxed" : "simple");
          g_autofree char *ref_path = g_build_filename (dir, ref_name, NULL);
          g_autoptr (GMappedFile) in = g_mapped_file_new (in_path, FALSE, NULL);
          g_autoptr (GMappedFile) ref = g_mapped_file_new (ref_path, FALSE, NULL);
          g_autoptr (GBytes) inb = NULL, refb = NULL;

          g_assert_nonnull (in);
          g_assert_nonnull (ref);
          inb = g_mapped_file_get_bytes (in);
          refb = g_mapped_file_get_bytes (ref);
          g_test_message ("vector %s", ref_name);
          check_vector ((DkimmodCanon) canon, inb, refb, ref_name);
          n++;
        }
    }
  g_assert_cmpuint (n, >=, 20);
}

/* naive - RFC 6376 3.4.3/3.4.4 the slow obvious way, on a whole body */
static GBytes *
naive (DkimmodCanon canon, const char *body, gsize len)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) out = g_string_new (NULL);
  gsize start = 0;

  for (gsize i = 0; i + 1 < len + 1; i++)
    if (i + 1 < len && body[i] == '\r' && body[i + 1] == '\n')
      {
        g_ptr_array_add (lines, g_strndup (body + start, i - start));
        start = i + 2;
        i++;
      }
  if (start < len)   /* a last line without CRLF gets one */
    g_ptr_array_add (lines, g_strndup (body + start, len - start));
  if (canon == DKIMMOD_CANON_RELAXED)
    for (guint i = 0; i < lines->len; i++)
      {
        const char *l = g_ptr_array_index (lines, i);
        GString *r = g_string_new (NULL);
        gboolean wsp = FALSE;

        for (const char *p = l; *p != '\0'; p++)
          {
            if (*p == ' ' || *p == '\t')
              wsp = TRUE;
            else
              {
                if (wsp)
                  g_string_append_c (r, ' ');
                wsp = FALSE;
                g_string_append_c (r, *p);
              }
          }
        g_free (g_ptr_array_index (lines, i));
        g_ptr_array_index (lines, i) = g_string_free (r, FALSE);
      }
  while (lines->len > 0 && *(const char *) g_ptr_array_index (lines, lines->len - 1) == '\0')
    g_ptr_array_remove_index (lines, lines->len - 1);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (out, "%s\r\n", (const char *) g_ptr_array_index (lines, i));
  if (canon == DKIMMOD_CANON_SIMPLE && out->len == 0)
    g_string_append (out, "\r\n");
  return g_bytes_new (out->str, out->len);
}

static void
test_body_random (void)
{
  static const char alphabet[] = "aaaaaaaaaaaabcdefgh      \t\r\n\r\n";

  for (guint iter = 0; iter < 3000; iter++)
    {
      gsize len = (gsize) g_test_rand_int_range (0, iter < 2000 ? 80 : 600);
      g_autofree char *body = g_malloc (len + 1);
      gsize cuts[8], ncuts = (gsize) g_test_rand_int_range (0, 8), prev = 0;

      for (gsize i = 0; i < len; i++)
        body[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      body[len] = '\0';
      for (gsize i = 0; i < ncuts; i++)
        {
          cuts[i] = prev + (gsize) g_test_rand_int_range (0, (gint32) (len - prev + 1));
          prev = cuts[i];
        }
      for (int canon = 0; canon <= 1; canon++)
        {
          g_autoptr (GBytes) want = naive ((DkimmodCanon) canon, body, len);
          g_autoptr (GBytes) got = canon_chunks ((DkimmodCanon) canon, (const guchar *) body, len, cuts, ncuts);

          if (!g_bytes_equal (got, want))
            {
              g_autofree char *esc = g_strescape (body, NULL);

              g_test_message ("canon %d differs on \"%s\"", canon, esc);
              g_test_fail ();
              return;
            }
        }
    }
}

/* digest_of - SHA-256 of the canonical body of DATA fed in chunks of STEP */
static GBytes *
digest_of (DkimmodCanon canon, const char *data, gsize len, gsize step, guint64 limit)
{
  g_autoptr (DkimmodBodyHash) bh = dkimmod_body_hash_new (canon, EVP_sha256 (), NULL);
  guchar d[EVP_MAX_MD_SIZE];
  guint dlen = 0;

  if (limit != G_MAXUINT64)
    dkimmod_body_hash_set_limit (bh, limit);
  for (gsize off = 0; off < len; off += step)
    dkimmod_body_hash_update (bh, data + off, MIN (step, len - off));
  g_assert_true (dkimmod_body_hash_finish (bh, d, &dlen, NULL));
  g_assert_cmpuint (dlen, ==, 32);
  return g_bytes_new (d, dlen);
}

static void
test_body_digest (void)
{
  /* RFC 8463 A.3 message body: bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8= */
  static const char body[] = "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n";
  g_autoptr (GBytes) d = digest_of (DKIMMOD_CANON_RELAXED, body, strlen (body), 7, G_MAXUINT64);
  g_autofree char *b64 = g_base64_encode (g_bytes_get_data (d, NULL), 32);
  /* Empty body, relaxed: SHA-256 of nothing (RFC 6376 3.4.4, errata 3133). */
  g_autoptr (GBytes) e = digest_of (DKIMMOD_CANON_RELAXED, "", 0, 1, G_MAXUINT64);
  g_autofree char *eb64 = g_base64_encode (g_bytes_get_data (e, NULL), 32);
  /* Empty body, simple: SHA-256 of CRLF. */
  g_autoptr (GBytes) s = digest_of (DKIMMOD_CANON_SIMPLE, "", 0, 1, G_MAXUINT64);
  g_autofree char *sb64 = g_base64_encode (g_bytes_get_data (s, NULL), 32);

  g_assert_cmpstr (b64, ==, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  g_assert_cmpstr (eb64, ==, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  g_assert_cmpstr (sb64, ==, "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
}

static void
test_body_limit (void)
{
  static const char body[] = "abc  def\r\nsecond line\r\n";
  g_autoptr (GBytes) limited = digest_of (DKIMMOD_CANON_RELAXED, body, strlen (body), 3, 5);
  g_autoptr (GBytes) prefix = digest_of (DKIMMOD_CANON_SIMPLE, "abc d", 5, 5, 5);
  g_autoptr (DkimmodBodyHash) bh = dkimmod_body_hash_new (DKIMMOD_CANON_RELAXED, EVP_sha256 (), NULL);
  guchar d[EVP_MAX_MD_SIZE];

  /* l=5 hashes "abc d": the same as simple over "abc d" cut to 5 bytes. */
  g_assert_true (g_bytes_equal (limited, prefix));
  dkimmod_body_hash_set_limit (bh, 5);
  dkimmod_body_hash_update (bh, body, strlen (body));
  g_assert_true (dkimmod_body_hash_finish (bh, d, NULL, NULL));
  /* the length counts the whole canonical body, so a verifier can compare */
  g_assert_cmpuint (dkimmod_body_hash_length (bh), ==, strlen ("abc def\r\nsecond line\r\n"));
}

static void
test_body_blank_lines_constant_memory (void)
{
  g_autoptr (DkimmodBodyHash) bh = dkimmod_body_hash_new (DKIMMOD_CANON_RELAXED, NULL, NULL);
  g_autofree char *blank = g_strnfill (64 * 1024, ' ');

  /* 200k lines of spaces are counted, not stored: nothing is emitted until
   * content follows them, and then they are emitted as empty lines. */
  for (int i = 0; i < 100000; i++)
    dkimmod_body_hash_update (bh, "  \t\r\n\r\n", 7);
  dkimmod_body_hash_update (bh, blank, 64 * 1024);
  g_assert_cmpuint (dkimmod_body_hash_collected (bh)->len, ==, 0);
  dkimmod_body_hash_update (bh, "x", 1);
  g_assert_true (dkimmod_body_hash_finish (bh, NULL, NULL, NULL));
  g_assert_cmpuint (dkimmod_body_hash_collected (bh)->len, ==, 200000 * 2 + 1 + 1 + 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/canon/header/table", test_header_table);
  g_test_add_func ("/canon/header/random-vs-naive", test_header_random);
  g_test_add_func ("/canon/body/golden", test_body_golden);
  g_test_add_func ("/canon/body/random-vs-naive", test_body_random);
  g_test_add_func ("/canon/body/digest", test_body_digest);
  g_test_add_func ("/canon/body/limit", test_body_limit);
  g_test_add_func ("/canon/body/blank-lines-constant-memory", test_body_blank_lines_constant_memory);
  return g_test_run ();
}
