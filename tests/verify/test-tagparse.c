/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-tagparse - RFC 6376 3.2 tag-list vectors
 */
#include <string.h>
#include <glib.h>

#include "tagparse.h"

typedef struct {
  const char *path;
  const char *input;
  gboolean ok;
  guint n_tags;          /* when ok */
  const char *check_tag; /* when ok: this tag ... */
  const char *check_val; /* ... has this value */
} Vector;

static const Vector vectors[] = {
  { "/tagparse/simple", "v=1; a=rsa-sha256", TRUE, 2, "a", "rsa-sha256" },
  { "/tagparse/trailing-semicolon", "v=1; a=rsa-sha256;", TRUE, 2, "v", "1" },
  { "/tagparse/trailing-semicolon-fws", "v=DKIM1; p=abc; ", TRUE, 2, "p", "abc" },
  { "/tagparse/no-space", "v=1;a=b;c=d", TRUE, 3, "c", "d" },
  { "/tagparse/fws-around", " \t v \t= \t x y \t;w=z", TRUE, 2, "v", "x y" },
  { "/tagparse/folded", "h=from :\r\n to;\r\n\tb=AAA\r\n BBB", TRUE, 2, "b", "AAA\r\n BBB" },
  { "/tagparse/empty-value", "p=; v=DKIM1", TRUE, 2, "p", "" },
  { "/tagparse/empty-value-last", "v=DKIM1; p=", TRUE, 2, "p", "" },
  { "/tagparse/equals-in-value", "b=abc==; bh=x=", TRUE, 2, "b", "abc==" },
  { "/tagparse/underscore-name", "a_b1=2", TRUE, 1, "a_b1", "2" },
  { "/tagparse/utf8-value", "i=j\xc3\xb6@example.net", TRUE, 1, "i", "j\xc3\xb6@example.net" },
  { "/tagparse/case-sensitive-names", "v=1; V=2", TRUE, 2, "V", "2" },
  { "/tagparse/bad/duplicate", "v=1; a=x; v=1", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/duplicate-empty", "p=; p=", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/empty", "", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/only-space", "  ", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/double-semicolon", "v=1;; a=b", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/leading-semicolon", ";v=1", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/no-equals", "v=1; a", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/digit-name", "1v=1", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/punct-name", "a-b=1", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/space-in-name", "a b=1", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/crlf-no-wsp", "v=1;\r\na=b", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/bare-lf", "v=1;\na=b", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/control-char", "v=1\x01; a=b", FALSE, 0, NULL, NULL },
  { "/tagparse/bad/nul", "v=1\0; a=b", FALSE, 0, NULL, NULL },  /* length below counts the NUL */
};

static void
test_vector (gconstpointer data)
{
  const Vector *v = data;
  DkimmodTagList list;
  g_autoptr (GError) error = NULL;
  gsize len = strlen (v->input);
  gboolean ok;

  if (g_str_has_suffix (v->path, "/nul"))
    len = 9;
  ok = dkimmod_tag_list_parse (v->input, len, &list, &error);
  if (!v->ok)
    {
      g_assert_false (ok);
      g_assert_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpuint (list.n_tags, ==, v->n_tags);
  const DkimmodTag *t = dkimmod_tag_list_find (&list, v->check_tag);
  g_assert_nonnull (t);
  g_autofree char *val = dkimmod_tag_value_dup (t);
  g_assert_cmpstr (val, ==, v->check_val);
}

static void
test_not_nul_terminated (void)
{
  /* "a=bc" cut after "a=b": the parser must stop at len, not at a NUL */
  char buf[4] = { 'a', '=', 'b', 'c' };
  DkimmodTagList list;

  g_assert_true (dkimmod_tag_list_parse (buf, 3, &list, NULL));
  g_autofree char *val = dkimmod_tag_value_dup (&list.tags[0]);
  g_assert_cmpstr (val, ==, "b");
}

static void
test_strip_fws (void)
{
  const char *in = "b=AB CD\r\n\tEF\r\n GH ;";
  DkimmodTagList list;

  g_assert_true (dkimmod_tag_list_parse (in, strlen (in), &list, NULL));
  g_autofree char *val = dkimmod_tag_value_strip_fws (&list.tags[0]);
  g_assert_cmpstr (val, ==, "ABCDEFGH");
  /* raw value runs from after '=' to the ';', whitespace included */
  g_assert_cmpuint (list.tags[0].raw_value_len, ==, strlen ("AB CD\r\n\tEF\r\n GH "));
}

static void
test_too_many_tags (void)
{
  g_autoptr (GString) s = g_string_new (NULL);
  DkimmodTagList list;
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < DKIMMOD_LIMIT_TAGS + 1; i++)
    g_string_append_printf (s, "t%u=x;", i);
  g_assert_false (dkimmod_tag_list_parse (s->str, s->len, &list, &error));
  g_assert_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_LIMIT);
  g_string_truncate (s, 0);
  for (guint i = 0; i < DKIMMOD_LIMIT_TAGS; i++)
    g_string_append_printf (s, "t%u=x;", i);
  g_assert_true (dkimmod_tag_list_parse (s->str, s->len, &list, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (vectors); i++)
    g_test_add_data_func (vectors[i].path, &vectors[i], test_vector);
  g_test_add_func ("/tagparse/not-nul-terminated", test_not_nul_terminated);
  g_test_add_func ("/tagparse/strip-fws", test_strip_fws);
  g_test_add_func ("/tagparse/limit", test_too_many_tags);
  return g_test_run ();
}
