/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-dotstuff.c - end of DATA, unstuffing and stuffing (spawn/dotstuff.c)
 * DESCRIPTION
 *	Table-driven: each input is fed whole, cut at every offset, and byte
 *	by byte; the content and the number of bytes consumed must not change.
 *	Smuggling sequences (bare LF / bare CR around ".") must never end DATA.
 */
#include <glib.h>
#include <string.h>

#include "dotstuff.h"

typedef struct {
  const char *name;
  const char *wire;       /* what the client sends after 354 */
  const char *content;    /* what must come out */
  gssize consumed;        /* bytes up to the end of data; -1: no end */
} UnstuffCase;

static const UnstuffCase unstuff_cases[] = {
  { "plain", "a\r\nb\r\n.\r\n", "a\r\nb\r\n", 9 },
  { "empty", ".\r\n", "", 3 },
  { "stuffed", "..x\r\n.\r\n", ".x\r\n", 8 },
  { "double-dot-line", "..\r\n.\r\n", ".\r\n", 7 },
  { "trailing-input-kept", "a\r\n.\r\nQUIT\r\n", "a\r\n", 6 },
  { "bare-lf-dot-lf", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n", 10 },
  { "bare-cr-dot-cr", "a\r.\rb\r\n.\r\n", "a\r.\rb\r\n", 10 },
  { "lf-dot-crlf", "a\n.\r\nb\r\n.\r\n", "a\n.\r\nb\r\n", 11 },
  { "crlf-dot-lf", "a\r\n.\nb\r\n.\r\n", "a\r\n\nb\r\n", 11 },
  { "dot-cr-x", "a\r\n.\rx\r\n.\r\n", "a\r\n\rx\r\n", 11 },
  { "dot-cr-cr-lf", "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", 10 },
  { "no-end", "a\r\n.x", "a\r\nx", -1 },
  { "cr-cr-lf", "a\r\r\n.\r\n", "a\r\r\n", 7 },
};

static gboolean
collect (const char *data, gsize len, gpointer user_data, GError **error)
{
  g_string_append_len (user_data, data, (gssize) len);
  return TRUE;
}

/* run - feed WIRE in pieces of at most STEP bytes (0: cut once at CUT) */
static void
run (const UnstuffCase *tc, gsize cut, gsize step)
{
  g_autoptr (GString) out = g_string_new (NULL);
  DkimmodUnstuffer u;
  gsize len = strlen (tc->wire);
  gsize off = 0;
  gboolean end = FALSE;

  dkimmod_unstuffer_init (&u);
  while (off < len && !end)
    {
      gsize n = step ? MIN (step, len - off) : (off < cut ? cut - off : len - off);

      off += dkimmod_unstuff (&u, tc->wire + off, n, &end, collect, out);
    }
  g_assert_cmpstr (out->str, ==, tc->content);
  if (tc->consumed < 0)
    g_assert_false (end);
  else
    {
      g_assert_true (end);
      g_assert_cmpuint (off, ==, (gsize) tc->consumed);
    }
}

static void
test_unstuff (gconstpointer data)
{
  const UnstuffCase *tc = data;
  gsize len = strlen (tc->wire);

  run (tc, len, 0);
  run (tc, 0, 1);
  for (gsize cut = 1; cut < len; cut++)
    run (tc, cut, 0);
}

typedef struct {
  const char *name;
  const char *content;
  const char *wire;
} StuffCase;

static const StuffCase stuff_cases[] = {
  { "plain", "a\r\nb\r\n", "a\r\nb\r\n" },
  { "leading", ".a\r\n", "..a\r\n" },
  { "inner", "a\r\n.\r\n..\r\n", "a\r\n..\r\n...\r\n" },
  { "after-bare-lf", "a\n.\nb\r\n", "a\n..\nb\r\n" },
  { "not-after-cr", "a\r.\r\n", "a\r.\r\n" },
};

static void
test_stuff (gconstpointer data)
{
  const StuffCase *tc = data;
  gsize len = strlen (tc->content);

  for (gsize cut = 0; cut <= len; cut++)
    {
      g_autoptr (GString) out = g_string_new (NULL);
      DkimmodStuffer st;

      dkimmod_stuffer_init (&st);
      g_assert_true (dkimmod_stuff (&st, tc->content, cut, collect, out, NULL));
      g_assert_true (dkimmod_stuff (&st, tc->content + cut, len - cut, collect, out, NULL));
      g_assert_cmpstr (out->str, ==, tc->wire);
    }
}

/* Round trip: content -> stuff -> "." -> unstuff gives the content back. */
static void
test_round_trip (void)
{
  static const char *const contents[] = {
    "", ".\r\n", "..\r\n", "a\r\n.b\r\n", ".\r\n.\r\n", "x\r\n..\r\n.y\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (contents); i++)
    {
      g_autoptr (GString) wire = g_string_new (NULL);
      g_autoptr (GString) back = g_string_new (NULL);
      DkimmodStuffer st;
      DkimmodUnstuffer u;
      gboolean end;
      gsize used;

      dkimmod_stuffer_init (&st);
      dkimmod_stuff (&st, contents[i], strlen (contents[i]), collect, wire, NULL);
      g_string_append (wire, ".\r\n");
      dkimmod_unstuffer_init (&u);
      used = dkimmod_unstuff (&u, wire->str, wire->len, &end, collect, back);
      g_assert_true (end);
      g_assert_cmpuint (used, ==, wire->len);
      g_assert_cmpstr (back->str, ==, contents[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (unstuff_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dotstuff/unstuff/%s", unstuff_cases[i].name);

      g_test_add_data_func (path, &unstuff_cases[i], test_unstuff);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (stuff_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/dotstuff/stuff/%s", stuff_cases[i].name);

      g_test_add_data_func (path, &stuff_cases[i], test_stuff);
    }
  g_test_add_func ("/dotstuff/round-trip", test_round_trip);
  return g_test_run ();
}
