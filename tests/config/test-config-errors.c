/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-errors.c - every configuration error, with its exact text
 * DESCRIPTION
 *	A table of broken configurations and the complete error message each
 *	must give, "FILE:LINE: SETTING: what is wrong" (one line per fault,
 *	all faults of the file), with the temporary directory removed from
 *	the file names. Cases marked "include" put the second text into
 *	domains/x.conf so that errors inside @include files name that file.
 */
#include "config-test-util.h"

#include <string.h>

typedef struct {
  const char *name;
  const char *conf;
  const char *include;       /* text of domains/x.conf, or NULL */
  int code;
  const char *error;
} ErrorCase;

#define SIG(x) "signing = { sender_map = ( { sender = \"example.net\"; sign = ( { " x " } ); } ); };\n"
#define OK_SIG "s = \"s\"; key = \"/k\";"

static const ErrorCase cases[] = {
  { "bad-a", SIG (OK_SIG " a = \"rsa-sha512\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].a: \"rsa-sha512\": unknown algorithm "
    "(use rsa-sha256 or ed25519-sha256)" },
  { "rsa-sha1", SIG (OK_SIG " a = \"rsa-sha1\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].a: \"rsa-sha1\": rsa-sha1 must not be used "
    "for signing (RFC 8301); use rsa-sha256" },
  { "rsa-sha1-in-defaults",
    "signing = {\n  defaults = {\n    a = \"rsa-sha1\";\n  };\n};\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:3: signing.defaults.a: \"rsa-sha1\": rsa-sha1 must not be used for signing "
    "(RFC 8301); use rsa-sha256" },
  { "unknown-setting", SIG (OK_SIG " colour = \"red\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].colour: unknown setting (expected one of s, "
    "d, c, a, key, i, headers, oversign, expire)" },
  { "missing-s", "signing = { sender_map = (\n  { sender = \"example.net\";\n"
    "    sign = ( { key = \"/k\"; } ); }\n); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:3: signing.sender_map[0].sign[0].s: missing (set s here or in "
    "signing.defaults)" },
  { "missing-key", SIG ("s = \"s\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].key: missing (set key here or in "
    "signing.defaults)" },
  { "bad-c", SIG (OK_SIG " c = \"relaxed/loose\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].c: \"relaxed/loose\": must be simple or "
    "relaxed, optionally /simple or /relaxed" },
  { "nowsp", SIG (OK_SIG " method = \"nowsp\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].method: \"nowsp\": nowsp/nofws are pre-RFC "
    "methods; use relaxed" },
  { "duplicate-sender",
    "signing = {\n  defaults = { s = \"s\"; key = \"/k\"; };\n  sender_map = (\n"
    "    { sender = \"example.net\"; sign = \"dkim\"; },\n"
    "    { sender = \"a@example.net\"; sign = \"dkim\"; },\n"
    "    { sender = \"Example.NET\"; sign = \"dkim\"; }\n  );\n};\n",
    NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:6: signing.sender_map[2].sender: \"example.net\" is already mapped at "
    "dkimmod.conf:4" },
  { "duplicate-sender-in-include",
    "signing = {\n  defaults = { s = \"s\"; key = \"/k\"; };\n  sender_map = (\n"
    "    { sender = \"example.net\"; sign = \"dkim\"; },\n"
    "    @include \"domains/x.conf\"\n  );\n};\n",
    "# the same domain again\n{ sender = \"example.NET\"; sign = \"dkim\"; }\n",
    DKIMMOD_CONFIG_ERROR_INVALID,
    "domains/x.conf:2: signing.sender_map[1].sender: \"example.net\" is already mapped at "
    "dkimmod.conf:4" },
  { "syntax-error", "spawn = {\n  next_hop = \"127.0.0.1:25\";\n  timeout_data = ;\n};\n", NULL,
    DKIMMOD_CONFIG_ERROR_SYNTAX, "dkimmod.conf:3: syntax error" },
  { "syntax-error-in-include", "signing = { sender_map = (\n@include \"domains/x.conf\"\n); };\n",
    "{ sender = \"a.example\";\n  sign = ( { s = ; } ); }\n", DKIMMOD_CONFIG_ERROR_SYNTAX,
    "domains/x.conf:2: syntax error" },
  { "missing-include", "signing = { sender_map = (\n@include \"domains/none.conf\"\n); };\n",
    NULL, DKIMMOD_CONFIG_ERROR_SYNTAX, "dkimmod.conf:2: cannot open include file" },
  { "error-in-include",
    "signing = {\n  sender_map = (\n    @include \"domains/x.conf\",\n"
    "    { sender = \"b.example\"; sign = ( { s = \"s\"; key = \"/k\"; c = \"fast\"; } ); }\n"
    "  );\n};\n",
    "# x.conf\n{ sender = \"a.example\";\n  sign = ( { s = \"s\";\n    key = \"/k\";\n"
    "    a = \"rsa-sha1\"; } ); }\n", DKIMMOD_CONFIG_ERROR_INVALID,
    "domains/x.conf:5: signing.sender_map[0].sign[0].a: \"rsa-sha1\": rsa-sha1 must not be used "
    "for signing (RFC 8301); use rsa-sha256\n"
    "dkimmod.conf:4: signing.sender_map[1].sign[0].c: \"fast\": must be simple or relaxed, "
    "optionally /simple or /relaxed" },
  { "all-errors-listed",
    "signing = {\n  defaults = { a = \"rsa-sha1\"; };\n  sender_map = (\n"
    "    { sender = \"bad domain\"; sign = \"dkim\"; },\n"
    "    { sender = \"example.org\"; sign = ( { s = \"s_1\"; key = \"/k\"; } ); }\n  );\n};\n"
    "spawn = { timeout_data = 0; next_hop = \"localhost\"; };\n"
    "whatever = 1;\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.defaults.a: \"rsa-sha1\": rsa-sha1 must not be used for signing "
    "(RFC 8301); use rsa-sha256\n"
    "dkimmod.conf:4: signing.sender_map[0].sender: \"bad domain\": only letters, digits, '-' and "
    "'.' are allowed (write an IDN as xn--)\n"
    "dkimmod.conf:5: signing.sender_map[1].sign[0].s: \"s_1\": only letters, digits, '-' and "
    "'.' are allowed (write an IDN as xn--)\n"
    "dkimmod.conf:8: spawn.timeout_data: \"0\": must be at least 1 second\n"
    "dkimmod.conf:8: spawn.next_hop: \"localhost\": expected host:port, [ipv6-address]:port or "
    "unix:/path\n"
    "dkimmod.conf:9: whatever: unknown section (expected signing, spawn or verifying)" },
  { "catch-all-without-d", "signing = { sender_map = ( { sender = \".\"; sign = ( { " OK_SIG
    " } ); } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].d: missing: the catch-all sender \".\" needs "
    "d= (for example d = \"$senderdomain\")" },
  { "tld-without-d", "signing = { sender_map = ( { sender = \"net\"; sign = ( { " OK_SIG
    " } ); } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].d: missing, and the sender \"net\" is no "
    "domain to sign for: not a domain name (needs at least two labels, as example.net)" },
  { "unknown-macro", SIG (OK_SIG " d = \"$senderhost\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].d: unknown macro $senderhost (known: $sender, "
    "$senderdomain, $$)" },
  { "sender-macro-in-key", SIG ("s = \"s\"; key = \"/k/$sender.key\";"), NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].key: $sender is not allowed in a key path "
    "(a local part may hold '/'); use $senderdomain" },
  { "headers-without-from", SIG (OK_SIG " headers = \"To:Subject\";"), NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].headers: \"To:Subject\": must include From "
    "(RFC 6376 section 5.4)" },
  { "identity-outside-d", SIG (OK_SIG " i = \"user@example.org\";"), NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].i: \"user@example.org\": its domain is "
    "neither d= nor a subdomain of d=" },
  { "alias-twice", SIG (OK_SIG " selector = \"t\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].selector: given twice (as s and selector)" },
  { "d-in-defaults", "signing = { defaults = { d = \"example.net\"; }; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.defaults.d: not allowed in defaults (d= defaults to the matched "
    "sender)" },
  { "bad-expire", SIG (OK_SIG " expire = \"3 days\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].expire: \"3 days\": not a duration (seconds, "
    "or a number with s, m, h, d or w)" },
  { "expire-type", SIG (OK_SIG " expire = 1.5;"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].expire: must be a number of seconds or a "
    "string (\"7d\")" },
  { "s-type", SIG ("s = 1; key = \"/k\";"), NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign[0].s: must be a string" },
  { "empty-sign", "signing = { sender_map = ( { sender = \"example.net\"; sign = (); } ); };\n",
    NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map[0].sign: no signature" },
  { "missing-sign", "signing = { sender_map = ( { sender = \"example.net\"; } ); };\n",
    NULL, DKIMMOD_CONFIG_ERROR_INVALID, "dkimmod.conf:1: signing.sender_map[0].sign: missing" },
  { "sender-map-not-list", "signing = { sender_map = { sender = \"x.net\"; }; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_map: must be a list ( { sender = ...; sign = ...; }, ... )" },
  { "spec-domainkeys", "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = \"dkim(s=s,key=/k), domainkeys(c=nofws)\"; } ); };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.sender_map[0].sign[1]: DomainKeys (RFC 4870) is obsolete and not "
    "supported; use dkim(...)" },
  { "spec-unknown-option", "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = \"dkim(s=s,key=/k,q=dns)\"; } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.sender_map[0].sign[0].q: unknown setting (expected one of s, d, c, "
    "a, key, i, headers, oversign, expire)" },
  { "spec-no-equals", "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = \"dkim(s=s,key=/k,relaxed)\"; } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.sender_map[0].sign[0]: \"relaxed\": expected name=value" },
  { "spec-garbage", "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = \"dkim(s=s,key=/k) x\"; } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.sender_map[0].sign[0]: \"dkim(s=s,key=/k) x\": expected "
    "dkim(name=value,...)" },
  { "entry-unknown-setting", "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  signature = \"dkim\"; } ); };\n", NULL, DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:2: signing.sender_map[0].signature: unknown setting (expected sender, "
    "sign, next, previous)\ndkimmod.conf:1: signing.sender_map[0].sign: missing" },
  { "sender-source", "signing = { sender_source = \"header\"; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: signing.sender_source: must be \"from\", \"sender-then-from\" or "
    "\"envelope\"" },
  { "spawn-unknown", "spawn = { relay = \"127.0.0.1:25\"; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID, "dkimmod.conf:1: spawn.relay: unknown setting" },
  { "spawn-type", "spawn = { allow_group_readable_keys = 1; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID,
    "dkimmod.conf:1: spawn.allow_group_readable_keys: must be true or false" },
  { "spawn-negative", "spawn = { spool_memory_max = -1; };\n", NULL,
    DKIMMOD_CONFIG_ERROR_INVALID, "dkimmod.conf:1: spawn.spool_memory_max: must not be negative" },
  /* libconfig 1.5 would exit(2) on these (tests/fuzz/reproducers). */
  { "include-directory", "@include \"/.\"\n", NULL, DKIMMOD_CONFIG_ERROR_SYNTAX,
    "dkimmod.conf:1: @include \"/.\": not a regular file (a directory)" },
  { "include-nested-directory", "signing = {\n  sender_map = (\n"
    "    @include \"domains/x.conf\"\n  );\n};\n", "\t@include \"domains/\"\n",
    DKIMMOD_CONFIG_ERROR_SYNTAX,
    "domains/x.conf:1: @include \"domains/\": not a regular file (a directory)" },
  { "verifying-unknown", "verifying = { authserv_id = \"mx.example.net\"; reject = true; };\n",
    NULL, DKIMMOD_CONFIG_ERROR_INVALID, "dkimmod.conf:1: verifying.reject: unknown setting" },
};

static void
run_case (gconstpointer data)
{
  const ErrorCase *c = data;
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autofree char *got = NULL;

  if (c->include)
    g_free (tcu_write (dir, "domains/x.conf", c->include));
  cfg = tcu_load_text (dir, c->conf, 0, &error);
  g_assert_null (cfg);
  g_assert_nonnull (error);
  got = tcu_strip_dir (error->message, dir);
  g_assert_cmpstr (got, ==, c->error);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, c->code);
  tcu_rmrf (dir);
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;

  g_assert_null (dkimmod_config_load ("/nonexistent/dkimmod.conf", 0, NULL, &error));
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO);
  g_assert_cmpstr (error->message, ==,
                   "/nonexistent/dkimmod.conf: cannot read: No such file or directory");
  g_clear_error (&error);
  g_assert_null (dkimmod_config_load ("/tmp", 0, NULL, &error));
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_IO);
}

/* The commented examples of the shipped sample are valid when uncommented. */
static void
test_sample_uncommented (void)
{
  g_autofree char *path = g_build_filename (tcu_srcroot (), "config", "dkimmod.conf.sample", NULL);
  g_autofree char *text = NULL, *dir = tcu_tmpdir ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_examples = FALSE;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint k = 0; lines[k]; k++)
    {
      const char *l = lines[k];

      /* in the "More examples" block, up to the next blank line:
       * "    # { sender" and its continuation lines "    #   sign" */
      if (strstr (l, "# More examples"))
        in_examples = TRUE;
      else if (*l == '\0')
        in_examples = FALSE;
      if (in_examples && (g_str_has_prefix (l, "    # {") || g_str_has_prefix (l, "    #   ")
                          || g_str_has_prefix (l, "    # @include")))
        g_string_append_printf (out, "    %s\n", l + 6);
      else
        g_string_append_printf (out, "%s\n", l);
    }
  g_free (tcu_write (dir, "domains/example.info.conf",
                     "{ sender = \"example.info\"; sign = \"dkim(s=s,key=/k)\"; }\n"));
  cfg = tcu_load_text (dir, out->str, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 6);
  tcu_rmrf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *name = g_strdup_printf ("/config/errors/%s", cases[k].name);

      g_test_add_data_func (name, &cases[k], run_case);
    }
  g_test_add_func ("/config/errors/missing-file", test_missing_file);
  g_test_add_func ("/config/errors/sample-uncommented", test_sample_uncommented);
  return g_test_run ();
}
