/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-msgparse.c - header block splitter and first-mailbox extraction
 */
#include <string.h>

#include "msgparse.h"
#include "error-private.h"

static const char msg[] =
  "Received: from a\r\n\tby b; Sat, 28 Nov 2026\r\n"
  "From: \"Doe, John\" <John.Doe@Example.NET>\r\n"
  "To: x@example.org\r\n"
  "to: y@example.org\r\n"
  "Subject: a\r\n folded\r\n  subject\r\n"
  "X-Bare: a\rb\nc\r\n"
  "\r\n"
  "body line\r\n";

/* parse_cut - parses MSG in two chunks cut at CUT; returns body offset */
static gsize
parse_cut (DkimmodMsgParser *p, const char *m, gsize len, gsize cut)
{
  gboolean done = FALSE;
  gsize used = dkimmod_msgparser_feed (p, m, cut, &done, NULL);

  g_assert_cmpuint (used, !=, (gsize) -1);
  if (done)
    return used;
  g_assert_cmpuint (used, ==, cut);
  used = dkimmod_msgparser_feed (p, m + cut, len - cut, &done, NULL);
  g_assert_true (done);
  return cut + used;
}

static void
test_split_every_cut (void)
{
  gsize len = strlen (msg);
  gsize body = (gsize) (strstr (msg, "\r\n\r\n") - msg) + 4;

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
      GPtrArray *f;

      g_assert_cmpuint (parse_cut (p, msg, len, cut), ==, body);
      f = dkimmod_msgparser_fields (p);
      g_assert_cmpuint (f->len, ==, 6);
      g_assert_true (g_bytes_get_size (g_ptr_array_index (f, 0)) == strlen ("Received: from a\r\n\tby b; Sat, 28 Nov 2026\r\n"));
      g_assert_cmpint (memcmp (g_bytes_get_data (g_ptr_array_index (f, 4), NULL),
                               "Subject: a\r\n folded\r\n  subject\r\n", 31), ==, 0);
      /* bare CR and LF stay inside the field: only CRLF ends a line */
      g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (f, 5)), ==, strlen ("X-Bare: a\rb\nc\r\n"));
    }
}

static void
test_count_value (void)
{
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  g_autofree char *subj = NULL, *from = NULL, *none = NULL;

  parse_cut (p, msg, strlen (msg), 0);
  g_assert_cmpuint (dkimmod_msgparser_count (p, "TO"), ==, 2);
  g_assert_cmpuint (dkimmod_msgparser_count (p, "from"), ==, 1);
  g_assert_cmpuint (dkimmod_msgparser_count (p, "cc"), ==, 0);
  subj = dkimmod_msgparser_value (p, "subject");
  g_assert_cmpstr (subj, ==, "a folded  subject");
  from = dkimmod_msgparser_value (p, "From");
  g_assert_cmpstr (from, ==, "\"Doe, John\" <John.Doe@Example.NET>");
  none = dkimmod_msgparser_value (p, "Sender");
  g_assert_null (none);
}

static void
test_no_body (void)
{
  static const char *cases[] = {
    "From: a@b\r\nSubject: x\r\n",   /* ends with CRLF, no empty line */
    "From: a@b\r\nSubject: x",       /* not even a final CRLF */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
      gboolean done = TRUE;
      gsize used = dkimmod_msgparser_feed (p, cases[i], strlen (cases[i]), &done, NULL);

      g_assert_false (done);
      g_assert_cmpuint (used, ==, strlen (cases[i]));
      dkimmod_msgparser_finish (p);
      g_assert_cmpuint (dkimmod_msgparser_fields (p)->len, ==, 2);
      g_assert_cmpuint (dkimmod_msgparser_count (p, "subject"), ==, 1);
    }
}

static void
test_empty_line_first (void)
{
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  gboolean done = FALSE;

  g_assert_cmpuint (dkimmod_msgparser_feed (p, "\r\nbody", 6, &done, NULL), ==, 2);
  g_assert_true (done);
  g_assert_cmpuint (dkimmod_msgparser_fields (p)->len, ==, 0);
  /* feeding after the end consumes nothing */
  g_assert_cmpuint (dkimmod_msgparser_feed (p, "x", 1, &done, NULL), ==, 0);
}

static void
test_limits (void)
{
  g_autoptr (DkimmodMsgParser) many = dkimmod_msgparser_new ();
  g_autoptr (DkimmodMsgParser) longf = dkimmod_msgparser_new ();
  g_autoptr (DkimmodMsgParser) block = dkimmod_msgparser_new ();
  g_autoptr (GError) e1 = NULL, e2 = NULL, e3 = NULL;
  g_autofree char *big = g_strnfill (300 * 1024, 'a');
  gboolean done;
  gsize r = 0;

  for (int i = 0; i < 1002 && r != (gsize) -1; i++)
    r = dkimmod_msgparser_feed (many, "X: y\r\n", 6, &done, &e1);
  g_assert_cmpuint (r, ==, (gsize) -1);
  g_assert_error (e1, DKIMMOD_ERROR, DKIMMOD_E_LIMIT);
  memcpy (big, "X: ", 3);
  g_assert_cmpuint (dkimmod_msgparser_feed (longf, big, strlen (big), &done, &e2), ==, (gsize) -1);
  g_assert_error (e2, DKIMMOD_ERROR, DKIMMOD_E_LIMIT);
  /* 1 MiB of header in fields under the per-field limit */
  r = 0;
  for (int i = 0; i < 20 && r != (gsize) -1; i++)
    {
      big[0] = 'X', big[1] = ':';
      big[200 * 1024 - 2] = '\r', big[200 * 1024 - 1] = '\n';
      r = dkimmod_msgparser_feed (block, big, 200 * 1024, &done, &e3);
    }
  g_assert_cmpuint (r, ==, (gsize) -1);
  g_assert_error (e3, DKIMMOD_ERROR, DKIMMOD_E_LIMIT);
}

static void
test_header_split (void)
{
  gsize n, v;

  g_assert_true (dkimmod_header_split ("Subject: x", 10, &n, &v));
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpuint (v, ==, 8);
  g_assert_true (dkimmod_header_split ("Subject \t: x", 12, &n, &v));
  g_assert_cmpuint (n, ==, 7);
  g_assert_cmpuint (v, ==, 10);
  g_assert_false (dkimmod_header_split (": x", 3, &n, &v));
  g_assert_false (dkimmod_header_split ("Sub ject: x", 11, &n, &v));
  g_assert_false (dkimmod_header_split ("Subject", 7, &n, &v));
  /* not NUL-terminated: the length rules */
  g_assert_false (dkimmod_header_split ("Subject: x", 7, &n, &v));
}

typedef struct {
  const char *value;
  const char *addr;
} AddrCase;

static const AddrCase addr_cases[] = {
  { "alice@example.net", "alice@example.net" },
  { "Alice <alice@Example.NET>", "alice@example.net" },
  { "\"Doe, John\" <John.Doe@Example.NET>", "John.Doe@example.net" },
  { "alice@example.net (Alice Liddell)", "alice@example.net" },
  { "(comment (nested) ) alice @ example . net", "alice@example.net" },
  { "Alice (the <fake@evil.example> one) <alice@example.net>", "alice@example.net" },
  { "\"fake@evil.example\" <alice@example.net>", "alice@example.net" },
  { "\"quoted local\"@example.net", "\"quoted local\"@example.net" },
  { "\"plain\"@example.net", "plain@example.net" },
  { "Team: bob@example.org, carol@example.org;", "bob@example.org" },
  { "undisclosed-recipients:;, dave@example.org", "dave@example.org" },
  { "Empty: ; Real <eve@example.org>", "eve@example.org" },
  { "<@route.example,@other.example:frank@example.org>", "frank@example.org" },
  { ", , grace@example.org", "grace@example.org" },
  { "a@[192.0.2.1]", "a@[192.0.2.1]" },
  { "=?utf-8?q?Andr=C3=A9?= <andre@example.fr>", "andre@example.fr" },
  { "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc\x63her.example>", "j\xc3\xb6rg@b\xc3\xbc\x63her.example" },
  { "no address here", NULL },
  { "", NULL },
  { ") a@example.net", "a@example.net" },   /* regression: stray ')' looped forever */
  { "<>", NULL },
  { "Group:;", NULL },
  /* lenient: an unclosed angle address still names its mailbox */
  { "broken <alice@example.net", "alice@example.net" },
};

static void
test_address_first (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (addr_cases); i++)
    {
      g_autofree char *a = dkimmod_address_first (addr_cases[i].value);

      g_test_message ("%s", addr_cases[i].value);
      g_assert_cmpstr (a, ==, addr_cases[i].addr);
    }
  g_assert_null (dkimmod_address_first (NULL));
  g_assert_cmpstr (dkimmod_address_domain ("a@b@example.net"), ==, "example.net");
  g_assert_cmpstr (dkimmod_address_domain ("example.net"), ==, "example.net");
}

static void
test_random_input (void)
{
  static const char alphabet[] = "aZ@<>\"(),:;.[]\\ \t\r\nxy\xc3\xa9";

  /* Random bytes from the characters that matter: nothing may crash or
   * read out of bounds (this runs under ASan too). */
  for (int iter = 0; iter < 5000; iter++)
    {
      gsize len = (gsize) g_test_rand_int_range (0, 120);
      g_autofree char *s = g_malloc (len + 1);
      g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
      g_autofree char *a = NULL;
      gboolean done = FALSE;
      gsize off = 0;

      for (gsize i = 0; i < len; i++)
        s[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      s[len] = '\0';
      a = dkimmod_address_first (s);
      if (a != NULL)
        g_assert_nonnull (strchr (a, '@'));
      while (off < len && !done)
        {
          gsize step = (gsize) g_test_rand_int_range (1, 9);   /* not inside MIN: evaluated twice */
          gsize n = MIN (len - off, step);
          gsize used = dkimmod_msgparser_feed (p, s + off, n, &done, NULL);

          g_assert_cmpuint (used, <=, n);
          off += used;
        }
      dkimmod_msgparser_finish (p);
      {
        GPtrArray *f = dkimmod_msgparser_fields (p);
        gsize total = 0;

        /* the fields are the consumed bytes, in order, minus the empty line */
        for (guint i = 0; i < f->len; i++)
          {
            g_assert_cmpint (memcmp (s + total, g_bytes_get_data (g_ptr_array_index (f, i), NULL),
                                     g_bytes_get_size (g_ptr_array_index (f, i))), ==, 0);
            total += g_bytes_get_size (g_ptr_array_index (f, i));
          }
        g_assert_cmpuint (total + (done ? 2 : 0), ==, off);
      }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msgparse/split/every-cut", test_split_every_cut);
  g_test_add_func ("/msgparse/split/count-value", test_count_value);
  g_test_add_func ("/msgparse/split/no-body", test_no_body);
  g_test_add_func ("/msgparse/split/empty-line-first", test_empty_line_first);
  g_test_add_func ("/msgparse/split/limits", test_limits);
  g_test_add_func ("/msgparse/header-split", test_header_split);
  g_test_add_func ("/msgparse/address/first", test_address_first);
  g_test_add_func ("/msgparse/random-input", test_random_input);
  return g_test_run ();
}
