/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-keyfile - the TestPublicKeys-format key file source
 */
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "keyfile.h"

static const char text[] =
  "# comment line\n"
  "\n"
  "sel._domainkey.example.net v=DKIM1; k=rsa; p=ABCD\n"
  "Split._DomainKey.Example.NET. \"v=DKIM1; k=rsa; \" \"p=AB\"\t\"CD\"\r\n"
  "  two._domainkey.example.net ( \"v=DKIM1; p=AAAA\" )\n"
  "two._domainkey.example.net \"v=DKIM1; p=BB\\\"BB\"\n"
  "revoked._domainkey.example.net v=DKIM1; p=   ";

static void
test_lookup (void)
{
  DkimmodError err;
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_parse (text, strlen (text), &err);
  const char *const *recs = NULL;

  g_assert_nonnull (kf);
  g_assert_cmpint (err.code, ==, DKIMMOD_OK);
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "sel._domainkey.example.net", &recs), ==, 1);
  g_assert_cmpstr (recs[0], ==, "v=DKIM1; k=rsa; p=ABCD");
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "split._domainkey.example.net.", &recs), ==, 1);
  g_assert_cmpstr (recs[0], ==, "v=DKIM1; k=rsa; p=ABCD");
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "TWO._domainkey.example.net", &recs), ==, 2);
  g_assert_cmpstr (recs[0], ==, "v=DKIM1; p=AAAA");
  g_assert_cmpstr (recs[1], ==, "v=DKIM1; p=BB\"BB");
  g_assert_null (recs[2]);
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "revoked._domainkey.example.net", &recs), ==, 1);
  g_assert_cmpstr (recs[0], ==, "v=DKIM1; p=");
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "nosuch._domainkey.example.net", &recs), ==, 0);
  g_assert_null (recs);
}

static void
test_errors (void)
{
  DkimmodError err;

  g_assert_null (dkimmod_key_file_parse ("a._domainkey.x \"v=DKIM1\n", 24, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_SYNTAX);
  g_assert_nonnull (strstr (err.message, ":1: unterminated"));
  g_assert_null (dkimmod_key_file_parse ("\n\nlonely.name\n", 14, &err));
  g_assert_nonnull (strstr (err.message, ":3: name without a record"));
  g_assert_null (dkimmod_key_file_load ("/nonexistent/keys", &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_IO);
}

static void
test_load (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("keyfile-XXXXXX", &path, NULL);
  DkimmodError err;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (int) strlen (text));
  close (fd);
  g_autoptr (DkimmodKeyFile) kf = dkimmod_key_file_load (path, &err);
  g_assert_nonnull (kf);
  g_assert_cmpuint (dkimmod_key_file_lookup (kf, "two._domainkey.example.net", NULL), ==, 2);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keyfile/lookup", test_lookup);
  g_test_add_func ("/keyfile/errors", test_errors);
  g_test_add_func ("/keyfile/load", test_load);
  return g_test_run ();
}
