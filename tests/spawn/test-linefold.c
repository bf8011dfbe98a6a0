/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-linefold.c - lines over smtp_line_length_limit (spawn/linefold.c)
 * DESCRIPTION
 *	Table-driven with a small limit so the expected bytes can be read;
 *	then the issue's case (998, a 2,000-byte body line, a 1,500-byte
 *	References field) against an independent model of Postfix's
 *	smtp_text_out(). Every input is fed whole, cut at every offset, and
 *	byte by byte: the output must be the same bytes each time, and no
 *	output line may be longer than the limit.
 */
#include <glib.h>
#include <string.h>

#include "linefold.h"

typedef struct {
  const char *name;
  guint limit;
  const char *in;
  const char *out;
  guint folded, broken;
} FoldCase;

static const FoldCase fold_cases[] = {
  { "short-unchanged", 10, "A: b\r\n\r\nshort\r\n", "A: b\r\n\r\nshort\r\n", 0, 0 },
  { "body-exact-limit", 10, "\r\n0123456789\r\n", "\r\n0123456789\r\n", 0, 0 },
  { "body-limit-plus-1", 10, "\r\n0123456789a\r\n", "\r\n0123456789\r\n a\r\n", 0, 1 },
  /* pieces after the first carry SP + limit - 1 bytes; none is added
   * when the line ends exactly at a piece's end */
  { "body-two-pieces-exact", 10, "\r\n0123456789abcdefghi\r\n",
    "\r\n0123456789\r\n abcdefghi\r\n", 0, 1 },
  { "body-three-pieces", 10, "\r\n0123456789abcdefghijkl\r\n",
    "\r\n0123456789\r\n abcdefghi\r\n jkl\r\n", 0, 1 },
  { "body-blanks-not-special", 4, "\r\nab cd ef\r\n", "\r\nab c\r\n d e\r\n f\r\n", 0, 1 },
  { "body-bare-cr-counts", 4, "\r\nab\rcd\r\n", "\r\nab\rc\r\n d\r\n", 0, 1 },
  { "body-cr-at-break", 4, "\r\nabcd\rx\r\n", "\r\nabcd\r\n \rx\r\n", 0, 1 },
  { "body-no-final-crlf", 4, "\r\nabcdef", "\r\nabcd\r\n ef", 0, 1 },
  { "body-crlf-after-limit", 4, "\r\nabcd\r\nef\r\n", "\r\nabcd\r\nef\r\n", 0, 0 },
  { "body-two-lines-counted", 4, "\r\nabcde\r\nfghij\r\n", "\r\nabcd\r\n e\r\nfghi\r\n j\r\n",
    0, 2 },
  { "header-fold-at-blank", 10, "Ref: a b c d e f\r\n\r\nx\r\n",
    "Ref: a b c\r\n d e f\r\n\r\nx\r\n", 1, 0 },
  { "header-fold-last-blank", 10, "Ref: <aaa> <bb>\r\n\r\n", "Ref: <aaa>\r\n <bb>\r\n\r\n", 1, 0 },
  { "header-fold-twice", 6, "A: b c d e f g\r\n\r\n", "A: b c\r\n d e f\r\n g\r\n\r\n", 1, 0 },
  { "header-blank-at-limit-plus-1", 4, "AB:C D\r\n\r\n", "AB:C\r\n D\r\n\r\n", 1, 0 },
  { "header-tab", 6, "A: bb\tcc\r\n\r\n", "A: bb\r\n\tcc\r\n\r\n", 1, 0 },
  { "header-no-blank-broken", 6, "A:bcdefghij\r\n\r\n", "A:bcde\r\n fghij\r\n\r\n", 0, 1 },
  { "header-continuation-fold", 6, "A: b\r\n\tccc dd\r\n\r\n", "A: b\r\n\tccc\r\n dd\r\n\r\n", 1, 0 },
  /* a continuation line whose only blank is its first byte: no fold that
   * would leave a line of blanks; broken as Postfix does */
  { "header-leading-blank-only", 4, "A: b\r\n cdefg\r\n\r\n", "A: b\r\n cde\r\n fg\r\n\r\n", 0, 1 },
  { "header-short-unchanged-body-long", 4, "A:b\r\n\r\nabcdefg\r\n",
    "A:b\r\n\r\nabcd\r\n efg\r\n", 0, 1 },
  { "header-bare-cr-counts", 4, "A:\rbcd\r\n\r\n", "A:\rb\r\n cd\r\n\r\n", 0, 1 },
  { "header-unterminated", 4, "A: bcdef", "A:\r\n bcd\r\n ef", 0, 1 },
  { "off", 0, "A: bcdefghijklmnop\r\n\r\nabcdefghijklmnopq\r\n",
    "A: bcdefghijklmnop\r\n\r\nabcdefghijklmnopq\r\n", 0, 0 },
};

static void
collect (const char *data, gsize len, gpointer user_data)
{
  g_string_append_len (user_data, data, (gssize) len);
}

/* fold - IN through a transformer in pieces of STEP bytes (0: one cut at CUT) */
static GString *
fold (guint limit, const char *in, gsize len, gsize cut, gsize step, guint *folded,
      guint *broken)
{
  GString *out = g_string_new (NULL);
  DkimmodLinefold f;
  gsize off = 0;

  dkimmod_linefold_init (&f, limit);
  while (off < len)
    {
      gsize n = step ? MIN (step, len - off) : (off < cut ? cut - off : len - off);

      dkimmod_linefold_feed (&f, in + off, n, collect, out);
      off += n;
    }
  dkimmod_linefold_finish (&f, collect, out);
  if (folded != NULL)
    *folded = f.folded;
  if (broken != NULL)
    *broken = f.broken;
  dkimmod_linefold_clear (&f);
  return out;
}

/* longest_line - longest CRLF line of S, CRLF not counted */
static gsize
longest_line (const GString *s)
{
  gsize best = 0, start = 0;

  for (gsize i = 0; i + 1 < s->len; i++)
    if (s->str[i] == '\r' && s->str[i + 1] == '\n')
      {
        best = MAX (best, i - start);
        start = i + 2;
      }
  return MAX (best, s->len - start);
}

/* check_every_split - IN gives WANT whole, at every cut, and bytewise */
static void
check_every_split (guint limit, const char *in, gsize len, const char *want, gsize want_len)
{
  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (GString) out = fold (limit, in, len, cut, 0, NULL, NULL);

      g_assert_cmpmem (out->str, out->len, want, want_len);
    }
  for (gsize step = 1; step <= 3; step++)
    {
      g_autoptr (GString) out = fold (limit, in, len, 0, step, NULL, NULL);

      g_assert_cmpmem (out->str, out->len, want, want_len);
    }
}

static void
test_case (gconstpointer data)
{
  const FoldCase *tc = data;
  guint folded, broken;
  g_autoptr (GString) out = fold (tc->limit, tc->in, strlen (tc->in), strlen (tc->in), 0,
                                  &folded, &broken);

  g_assert_cmpstr (out->str, ==, tc->out);
  g_assert_cmpuint (folded, ==, tc->folded);
  g_assert_cmpuint (broken, ==, tc->broken);
  if (tc->limit > 0)
    g_assert_cmpuint (longest_line (out), <=, tc->limit);
  check_every_split (tc->limit, tc->in, strlen (tc->in), tc->out, strlen (tc->out));
}

/* postfix_line - a model of smtp_text_out() for one line that is in a
 * single queue record: LIMIT bytes, then CRLF SP and LIMIT - 1 bytes
 * while bytes remain */
static void
postfix_line (GString *out, const char *line, gsize len, guint limit)
{
  gsize left = len, room = limit;

  while (left >= room)
    {
      g_string_append_len (out, line, (gssize) room);
      g_string_append (out, "\r\n");
      line += room;
      left -= room;
      room = limit;
      if (left == 0)
        return;
      g_string_append_c (out, ' ');
      room--;
    }
  g_string_append_len (out, line, (gssize) left);
  g_string_append (out, "\r\n");
}

/* test_body_matches_postfix - body lines of many lengths around the
 * piece boundaries, at 998 and at a small limit */
static void
test_body_matches_postfix (void)
{
  static const guint limits[] = { 998, 7 };

  for (guint k = 0; k < G_N_ELEMENTS (limits); k++)
    {
      guint limit = limits[k];
      g_autoptr (GString) in = g_string_new ("S: t\r\n\r\n");
      g_autoptr (GString) want = g_string_new ("S: t\r\n\r\n");
      g_autoptr (GString) got = NULL;
      gsize lens[] = { 0, 1, limit - 1, limit, limit + 1, 2 * limit - 2, 2 * limit - 1,
                       2 * limit, 3 * limit - 2, 3 * limit - 1, 2000, 5 * limit + 3 };

      for (guint i = 0; i < G_N_ELEMENTS (lens); i++)
        {
          g_autoptr (GString) line = g_string_new (NULL);

          for (gsize j = 0; j < lens[i]; j++)
            g_string_append_c (line, (char) ('a' + (i + j) % 26));
          g_string_append_len (in, line->str, (gssize) line->len);
          g_string_append (in, "\r\n");
          postfix_line (want, line->str, line->len, limit);
        }
      got = fold (limit, in->str, in->len, 0, 4093, NULL, NULL);
      g_assert_cmpmem (got->str, got->len, want->str, want->len);
      if (limit < 100)
        check_every_split (limit, in->str, in->len, want->str, want->len);
    }
}

/* unfold - removes every CRLF that comes before a blank (RFC 5322 2.2.3) */
static GString *
unfold (const GString *s)
{
  GString *u = g_string_new (NULL);

  for (gsize i = 0; i < s->len; i++)
    {
      if (s->str[i] == '\r' && i + 2 < s->len && s->str[i + 1] == '\n'
          && (s->str[i + 2] == ' ' || s->str[i + 2] == '\t'))
        {
          i++;
          continue;
        }
      g_string_append_c (u, s->str[i]);
    }
  return u;
}

/* test_issue_message - the issue's message: a 1,500-byte References
 * field, folded at its blanks so that unfolding gives it back, and a
 * 2,000-byte body line, broken as Postfix breaks it */
static void
test_issue_message (void)
{
  g_autoptr (GString) refs = g_string_new ("References:");
  g_autoptr (GString) in = NULL;
  g_autoptr (GString) want_body = g_string_new (NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_autoptr (GString) out = NULL;
  g_autoptr (GString) header_out = NULL;
  g_autoptr (GString) header_unfolded = NULL;
  const char *sep;
  guint folded, broken;

  for (guint n = 0; refs->len < 1500; n++)
    g_string_append_printf (refs, " <%08u.thread@example.net>", n);
  g_string_truncate (refs, 1500);
  while (body->len < 2000)
    g_string_append_c (body, (char) ('A' + body->len % 26));
  in = g_string_new ("From: a@example.net\r\n");
  g_string_append_printf (in, "%s\r\nSubject: long\r\n\r\n%s\r\nend\r\n", refs->str, body->str);
  postfix_line (want_body, body->str, body->len, 998);
  g_string_append (want_body, "end\r\n");

  out = fold (998, in->str, in->len, in->len, 0, &folded, &broken);
  g_assert_cmpuint (folded, ==, 1);
  g_assert_cmpuint (broken, ==, 1);
  g_assert_cmpuint (longest_line (out), <=, 998);
  sep = strstr (out->str, "\r\n\r\n");
  g_assert_nonnull (sep);
  g_assert_cmpstr (sep + 4, ==, want_body->str);
  header_out = g_string_new_len (out->str, sep + 2 - out->str);
  header_unfolded = unfold (header_out);
  g_assert_nonnull (strstr (header_unfolded->str, refs->str));
  g_assert_true (g_str_has_prefix (strstr (header_out->str, "References:"),
                                   "References: <00000000.thread@example.net>"));
  check_every_split (998, in->str, in->len, out->str, out->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (fold_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/linefold/%s", fold_cases[i].name);

      g_test_add_data_func (path, &fold_cases[i], test_case);
    }
  g_test_add_func ("/linefold/body-matches-postfix", test_body_matches_postfix);
  g_test_add_func ("/linefold/issue-message", test_issue_message);
  return g_test_run ();
}
