/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-lookup.c - sender_map matching, defaults, macros, includes
 * DESCRIPTION
 *	Loads small configurations from a temporary directory and checks
 *	which signatures dkimmod_config_lookup() returns: DKIMproxy's order
 *	(address > address without +extension > domain > parent domains >
 *	"."), case-insensitivity (DKIMproxy never matched upper-case keys),
 *	defaults per field, the DKIMproxy string form, macros, IDN senders
 *	(U-label domains find A-label entries), and that the
 *	shipped sample and per-domain example load.
 */
#include "config-test-util.h"

#include <string.h>

static const char lookup_conf[] =
  "signing = {\n"
  "  defaults = { s = \"def\"; key = \"/k/default.key\"; };\n"
  "  sender_map = (\n"
  "    { sender = \"user+tag@example.net\"; sign = ( { s = \"full\"; } ); },\n"
  "    { sender = \"user@example.net\"; sign = ( { s = \"noext\"; } ); },\n"
  "    { sender = \"example.net\"; sign = ( { s = \"domain\"; } ); },\n"
  "    { sender = \"Mixed.Example.COM\"; sign = ( { s = \"mixed\"; } ); },\n"
  "    { sender = \"com\"; sign = ( { s = \"tld\"; d = \"example.com\"; } ); },\n"
  "    { sender = \".\"; sign = ( { s = \"any\"; d = \"$senderdomain\"; } ); }\n"
  "  );\n"
  "};\n";

static DkimmodConfig *
load_ok (const char *text, char **dir_out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = tcu_tmpdir ();
  DkimmodConfig *cfg = tcu_load_text (dir, text, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cfg);
  if (dir_out)
    *dir_out = g_steal_pointer (&dir);
  else
    tcu_rmrf (dir);
  return cfg;
}

/* first_sig - the first signature for SENDER, checking the key that matched */
static DkimmodConfigSignature *
first_sig (DkimmodConfig *cfg, const char *sender, const char *want_key, GPtrArray **keep)
{
  const char *matched = NULL;
  GPtrArray *sigs = dkimmod_config_lookup (cfg, sender, &matched);

  g_assert_nonnull (sigs);
  g_assert_cmpstr (matched, ==, want_key);
  *keep = sigs;
  return sigs->pdata[0];
}

static void
test_order (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (lookup_conf, NULL);
  static const struct {
    const char *sender, *key, *selector, *domain;
  } cases[] = {
    { "user+tag@example.net", "user+tag@example.net", "full", "example.net" },
    { "user+other@example.net", "user@example.net", "noext", "example.net" },
    { "user@example.net", "user@example.net", "noext", "example.net" },
    { "other@example.net", "example.net", "domain", "example.net" },
    { "x@sub.deep.example.net", "example.net", "domain", "example.net" },
    { "example.net", "example.net", "domain", "example.net" },
    { "a@other.com", "com", "tld", "example.com" },
    { "a@example.org", ".", "any", "example.org" },
    /* case-insensitive, both sides */
    { "USER+TAG@Example.NET", "user+tag@example.net", "full", "example.net" },
    { "a@mixed.example.com", "mixed.example.com", "mixed", "mixed.example.com" },
    { "a@sub.MIXED.example.com", "mixed.example.com", "mixed", "mixed.example.com" },
  };

  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 6);
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (GPtrArray) sigs = NULL;
      DkimmodConfigSignature *sig = first_sig (cfg, cases[k].sender, cases[k].key, &sigs);

      g_test_message ("%s", cases[k].sender);
      g_assert_cmpuint (sigs->len, ==, 1);
      g_assert_cmpstr (sig->selector, ==, cases[k].selector);
      g_assert_cmpstr (sig->domain, ==, cases[k].domain);
      g_assert_cmpstr (sig->key_path, ==, "/k/default.key");
    }
}

static void
test_no_match (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = ( { s = \"s\"; key = \"/k\"; } ); } ); };\n", NULL);
  const char *matched = "unset";

  g_assert_null (dkimmod_config_lookup (cfg, "a@example.org", &matched));
  g_assert_null (matched);
  g_assert_null (dkimmod_config_lookup (cfg, "a@net", NULL));
  g_assert_null (dkimmod_config_lookup (cfg, "", NULL));
  g_assert_null (dkimmod_config_lookup (cfg, NULL, NULL));
  /* a subdomain of the key matches, a domain that merely ends alike does not */
  g_assert_null (dkimmod_config_lookup (cfg, "a@badexample.net", NULL));
}

static void
test_defaults (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = {\n"
    "  defaults = { a = \"ed25519-sha256\"; c = \"simple/relaxed\"; s = \"ds\";\n"
    "    key = \"/k/d.key\"; expire = \"7d\"; headers = \"From : To:Subject\";\n"
    "    oversign = \"\"; };\n"
    "  sender_map = (\n"
    "    { sender = \"user@example.net\"; sign = ( { c = \"relaxed\"; } ); },\n"
    "    { sender = \"example.org\"; sign = ( { selector = \"own\"; algorithm = \"rsa-sha256\";\n"
    "       keyfile = \"/k/o.key\"; expire = 3600; h = \"from\"; oversign = \"From:To\";\n"
    "       identity = \"@mail.example.org\"; } ); }\n"
    "  );\n"
    "};\n", NULL);
  g_autoptr (GPtrArray) a = NULL, b = NULL;
  DkimmodConfigSignature *sa = first_sig (cfg, "user@example.net", "user@example.net", &a);
  DkimmodConfigSignature *sb = first_sig (cfg, "x@example.org", "example.org", &b);

  /* inherited, except c (and d from the key, without "user@") */
  g_assert_cmpstr (sa->domain, ==, "example.net");
  g_assert_cmpstr (sa->selector, ==, "ds");
  g_assert_cmpint (sa->algorithm, ==, DKIMMOD_ALG_ED25519_SHA256);
  g_assert_cmpint (sa->header_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (sa->body_canon, ==, DKIMMOD_CANON_SIMPLE);  /* "relaxed" = relaxed/simple */
  g_assert_cmpstr (sa->key_path, ==, "/k/d.key");
  g_assert_cmpuint (sa->expire_after, ==, 7 * 86400);
  g_assert_cmpstr (sa->headers, ==, "From:To:Subject");
  g_assert_cmpstr (sa->oversign, ==, "");
  g_assert_null (sa->identity);
  g_assert_nonnull (strstr (sa->origin, "dkimmod.conf:6"));
  /* everything overridden, DKIMproxy's long names */
  g_assert_cmpstr (sb->selector, ==, "own");
  g_assert_cmpint (sb->algorithm, ==, DKIMMOD_ALG_RSA_SHA256);
  g_assert_cmpint (sb->header_canon, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpint (sb->body_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpstr (sb->key_path, ==, "/k/o.key");
  g_assert_cmpuint (sb->expire_after, ==, 3600);
  g_assert_cmpstr (sb->headers, ==, "from");
  g_assert_cmpstr (sb->oversign, ==, "From:To");
  g_assert_cmpstr (sb->identity, ==, "@mail.example.org");
}

static void
test_builtin_defaults (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = ( { s = \"s\"; key = \"/k\"; } ); } ); };\n", NULL);
  g_autoptr (GPtrArray) a = NULL;
  DkimmodConfigSignature *s = first_sig (cfg, "a@example.net", "example.net", &a);

  g_assert_cmpint (s->algorithm, ==, DKIMMOD_ALG_FROM_KEY);
  g_assert_cmpint (s->header_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (s->body_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_null (s->headers);
  g_assert_null (s->oversign);
  g_assert_null (s->identity);
  g_assert_cmpuint (s->expire_after, ==, 0);
  g_assert_cmpint (dkimmod_config_sender_source (cfg), ==, DKIMMOD_SENDER_FROM);
}

static void
test_string_form (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = ( { sender = \"example.org\";\n"
    "  sign = \"dkim(s=ed1,d=example.org,a=ed25519-sha256,key=/k/ed1.key), "
    "dkim( selector=rsa1, domain=Example.ORG, keyfile=/k/rsa1.key, method=simple/relaxed,"
    " h=From:Subject, identity=@example.org )\"; } ); };\n", NULL);
  g_autoptr (GPtrArray) sigs = NULL;
  DkimmodConfigSignature *ed = first_sig (cfg, "a@example.org", "example.org", &sigs), *rsa;

  g_assert_cmpuint (sigs->len, ==, 2);
  rsa = sigs->pdata[1];
  g_assert_cmpstr (ed->selector, ==, "ed1");
  g_assert_cmpint (ed->algorithm, ==, DKIMMOD_ALG_ED25519_SHA256);
  g_assert_cmpstr (ed->key_path, ==, "/k/ed1.key");
  g_assert_cmpstr (rsa->selector, ==, "rsa1");
  g_assert_cmpstr (rsa->domain, ==, "example.org");
  g_assert_cmpstr (rsa->key_path, ==, "/k/rsa1.key");
  g_assert_cmpint (rsa->header_canon, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpint (rsa->body_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpstr (rsa->headers, ==, "From:Subject");
  g_assert_cmpstr (rsa->identity, ==, "@example.org");
}

static void
test_macros (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = (\n"
    "  { sender = \".\"; sign = ( { s = \"sel\"; d = \"$senderdomain\"; i = \"$sender\";\n"
    "      key = \"/k/$senderdomain.key\"; },\n"
    "    { s = \"two\"; d = \"example.net\"; i = \"$sender\"; key = \"/k/$$lit.key\"; } ); }\n"
    "); };\n", NULL);
  g_autoptr (GPtrArray) sigs = NULL;
  g_autofree char *dropped = NULL;
  const char *matched;
  DkimmodConfigSignature *s;

  s = first_sig (cfg, "Bob@Example.COM", ".", &sigs);
  g_assert_cmpstr (s->domain, ==, "example.com");
  g_assert_cmpstr (s->identity, ==, "bob@example.com");
  g_assert_cmpstr (s->key_path, ==, "/k/example.com.key");
  g_assert_cmpuint (sigs->len, ==, 1);  /* the second: i outside d=example.net */
  g_clear_pointer (&sigs, g_ptr_array_unref);

  /* both: the first with the sender's domain, the second within example.net */
  sigs = dkimmod_config_lookup_full (cfg, "bob@sub.example.net", &matched, &dropped);
  g_assert_nonnull (sigs);
  g_assert_null (dropped);
  g_assert_cmpuint (sigs->len, ==, 2);
  s = sigs->pdata[1];
  g_assert_cmpstr (s->identity, ==, "bob@sub.example.net");
  g_assert_cmpstr (s->key_path, ==, "/k/$lit.key");
  g_clear_pointer (&sigs, g_ptr_array_unref);

  /* a sender domain that is no domain name: nothing signed, and said why */
  sigs = dkimmod_config_lookup_full (cfg, "bob@../../etc/x", &matched, &dropped);
  g_assert_null (sigs);
  g_assert_cmpstr (matched, ==, ".");
  g_assert_nonnull (dropped);
  g_test_message ("%s", dropped);
  g_assert_nonnull (strstr (dropped, "signing.sender_map[0].sign[0].d: expands to \"../../etc/x\""));
  g_assert_nonnull (strstr (dropped, "signing.sender_map[0].sign[1].i: expands to"));
  g_clear_pointer (&dropped, g_free);

  /* a one-label domain is no d= either */
  g_assert_null (dkimmod_config_lookup (cfg, "root@localhost", NULL));
}

static void
test_key_macro_guard (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = ( { sender = \".\"; sign = ( { s = \"s\"; d = \"example.net\";\n"
    "  key = \"/k/$senderdomain.key\"; } ); } ); };\n", NULL);
  g_autofree char *dropped = NULL;
  g_autoptr (GPtrArray) sigs = NULL;

  /* d= is fixed, so only the key path depends on the (hostile) sender */
  sigs = dkimmod_config_lookup_full (cfg, "a@x/../../../etc/shadow", NULL, &dropped);
  g_assert_null (sigs);
  g_assert_nonnull (strstr (dropped, ".key: expands to \"x/../../../etc/shadow\""));
  g_clear_pointer (&dropped, g_free);
  sigs = dkimmod_config_lookup_full (cfg, "a@\x01\xff.example", NULL, &dropped);
  g_assert_null (sigs);
  /* not UTF-8, so no IDN either: said why, made printable */
  g_assert_nonnull (strstr (dropped, "sender <a@??.example>: not an internationalized domain"));
}

/* An SMTPUTF8 sender's U-label domain finds the A-label entry (the config
 * holds only A-labels), and $sender/$senderdomain (d=, i=, key) get the
 * A-label; a UTF-8 local part is kept. */
static void
test_idn_sender (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = (\n"
    "  { sender = \"xn--bcher-kva.example\"; sign = ( { s = \"idn\"; key = \"/k/b.key\"; } ); },\n"
    "  { sender = \"j\xc3\xb6rg@xn--bcher-kva.example\"; sign = ( { s = \"joerg\";\n"
    "      key = \"/k/j.key\"; } ); },\n"
    "  { sender = \"xn--fa-hia.de\"; sign = ( { s = \"fass\"; key = \"/k/f.key\"; } ); },\n"
    "  { sender = \".\"; sign = ( { s = \"any\"; d = \"$senderdomain\"; i = \"$sender\";\n"
    "      key = \"/k/$senderdomain.key\"; } ); }\n"
    "); };\n", NULL);
  g_autoptr (GPtrArray) sigs = NULL;
  g_autofree char *dropped = NULL;
  g_autofree char *ascii = NULL;
  const char *why = NULL;
  const char *matched = NULL;
  DkimmodConfigSignature *s;

  s = first_sig (cfg, "user@b\xc3\xbc" "cher.example", "xn--bcher-kva.example", &sigs);
  g_assert_cmpstr (s->selector, ==, "idn");
  g_clear_pointer (&sigs, g_ptr_array_unref);
  /* upper-case U-label, and a decomposed u + combining diaeresis (NFC) */
  s = first_sig (cfg, "user@B\xc3\x9c" "CHER.example", "xn--bcher-kva.example", &sigs);
  g_clear_pointer (&sigs, g_ptr_array_unref);
  s = first_sig (cfg, "user@bu\xcc\x88" "cher.example", "xn--bcher-kva.example", &sigs);
  g_clear_pointer (&sigs, g_ptr_array_unref);
  /* the sender as a domain, and a subdomain through the parent walk */
  s = first_sig (cfg, "mail.b\xc3\xbc" "cher.example", "xn--bcher-kva.example", &sigs);
  g_clear_pointer (&sigs, g_ptr_array_unref);
  /* address key: UTF-8 local part as is, A-label domain */
  s = first_sig (cfg, "J\xc3\xb6rg@b\xc3\xbc" "cher.example",
                 "j\xc3\xb6rg@xn--bcher-kva.example", &sigs);
  g_assert_cmpstr (s->selector, ==, "joerg");
  g_clear_pointer (&sigs, g_ptr_array_unref);
  /* UTS 46 non-transitional: sharp s stays (xn--fa-hia.de), never fass.de */
  s = first_sig (cfg, "a@fa\xc3\x9f.de", "xn--fa-hia.de", &sigs);
  g_assert_cmpstr (s->selector, ==, "fass");
  g_clear_pointer (&sigs, g_ptr_array_unref);

  /* $senderdomain and $sender carry the A-label */
  s = first_sig (cfg, "Anna@\xce\xb2\xcf\x8c\xce\xbb\xce\xbf\xcf\x82.gr", ".", &sigs);
  g_assert_cmpstr (s->domain, ==, "xn--nxasmm1c.gr");
  g_assert_cmpstr (s->identity, ==, "anna@xn--nxasmm1c.gr");
  g_assert_cmpstr (s->key_path, ==, "/k/xn--nxasmm1c.gr.key");
  g_clear_pointer (&sigs, g_ptr_array_unref);

  /* malformed U-labels match nothing, not even ".", and say why */
  const char *bad[] = {
    "a@a\xe2\x80\x8d" "b.example",   /* lone zero-width joiner (GLib makes it ab.example) */
    "a@\xe2\x98\x83.example",        /* a symbol IDNA2008 disallows */
    "a@-b\xc3\xbc.example",          /* leading hyphen */
    "a@b\xc3\xbc\xff.example",       /* not UTF-8 */
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      sigs = dkimmod_config_lookup_full (cfg, bad[i], &matched, &dropped);
      g_assert_null (sigs);
      g_assert_null (matched);
      g_assert_nonnull (dropped);
      g_test_message ("%s", dropped);
      g_assert_nonnull (strstr (dropped, "not an internationalized domain name"));
      g_clear_pointer (&dropped, g_free);
      g_assert_null (dkimmod_config_sender_to_ascii (bad[i], &why));
      g_assert_nonnull (why);
    }

  /* ASCII senders are only lower-cased, as before */
  ascii = dkimmod_config_sender_to_ascii ("Bob+x@Example.NET", &why);
  g_assert_cmpstr (ascii, ==, "bob+x@example.net");
}

static void
test_relative_key (void)
{
  g_autofree char *dir = NULL;
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "signing = { sender_map = ( { sender = \"example.net\";\n"
    "  sign = ( { s = \"s\"; key = \"keys/a.key\"; } ); } ); };\n", &dir);
  g_autoptr (GPtrArray) sigs = NULL;
  DkimmodConfigSignature *s = first_sig (cfg, "a@example.net", "example.net", &sigs);
  g_autofree char *want = g_build_filename (dir, "keys/a.key", NULL);

  g_assert_cmpstr (s->key_path, ==, want);
  tcu_rmrf (dir);
}

static void
test_includes (void)
{
  g_autofree char *path = g_build_filename (tcu_srcroot (), "config", "examples", "dkimmod.conf",
                                            NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (path, 0, NULL, &error);
  g_autoptr (GPtrArray) com = NULL, info = NULL, other = NULL;
  g_autofree char *want = NULL;
  DkimmodConfigSignature *s;

  g_assert_no_error (error);
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 3);
  s = first_sig (cfg, "a@example.com", "example.com", &com);
  g_assert_cmpuint (com->len, ==, 2);
  g_assert_cmpstr (s->selector, ==, "ed2026");
  g_assert_nonnull (strstr (s->origin, "domains/example.com.conf:3"));
  s = com->pdata[1];
  g_assert_cmpstr (s->selector, ==, "sel2026");  /* from the main file's defaults */
  g_assert_cmpint (s->algorithm, ==, DKIMMOD_ALG_RSA_SHA256);
  s = first_sig (cfg, "a@example.info", "example.info", &info);
  g_assert_cmpstr (s->selector, ==, "mondomaine-dkim");
  g_assert_cmpint (s->body_canon, ==, DKIMMOD_CANON_SIMPLE);
  want = g_build_filename (dir, "keys", "example.info.key", NULL);
  g_assert_cmpstr (s->key_path, ==, want);
  g_clear_pointer (&want, g_free);
  s = first_sig (cfg, "a@example.biz", ".", &other);
  want = g_build_filename (dir, "keys", "example.biz.key", NULL);
  g_assert_cmpstr (s->key_path, ==, want);
}

static void
test_sample (void)
{
  g_autofree char *path = g_build_filename (tcu_srcroot (), "config", "dkimmod.conf.sample", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (path, 0, NULL, &error);
  g_autoptr (GPtrArray) net = NULL, org = NULL;
  const DkimmodSpawnSettings *sp;
  DkimmodConfigSignature *s;

  g_assert_no_error (error);
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 2);
  /* the DKIMproxy article's signature */
  s = first_sig (cfg, "alice@example.net", "example.net", &net);
  g_assert_cmpuint (net->len, ==, 1);
  g_assert_cmpstr (s->selector, ==, "mondomaine-dkim");
  g_assert_cmpstr (s->domain, ==, "example.net");
  g_assert_cmpint (s->algorithm, ==, DKIMMOD_ALG_RSA_SHA256);
  g_assert_cmpint (s->header_canon, ==, DKIMMOD_CANON_RELAXED);
  g_assert_cmpint (s->body_canon, ==, DKIMMOD_CANON_SIMPLE);
  g_assert_cmpstr (s->key_path, ==, "/etc/dkimmod/example.net.key");
  /* dual algorithm */
  s = first_sig (cfg, "bob@example.org", "example.org", &org);
  g_assert_cmpuint (org->len, ==, 2);
  g_assert_cmpint (s->algorithm, ==, DKIMMOD_ALG_ED25519_SHA256);
  g_assert_cmpint (((DkimmodConfigSignature *) org->pdata[1])->algorithm, ==,
                   DKIMMOD_ALG_RSA_SHA256);
  g_assert_null (dkimmod_config_lookup (cfg, "eve@example.com", NULL));
  sp = dkimmod_config_spawn (cfg);
  g_assert_cmpstr (sp->next_hop, ==, "127.0.0.1:10018");
  g_assert_cmpuint (sp->spool_memory_max, ==, 256 * 1024);
  g_assert_cmpuint (sp->smtp_line_length_limit, ==, 998);
  g_assert_cmpstr (dkimmod_config_authserv_id (cfg), ==, "mx.example.net");
}

static void
test_new_default (void)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_new_default ();
  const DkimmodSpawnSettings *sp = dkimmod_config_spawn (cfg);

  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, 0);
  g_assert_null (dkimmod_config_lookup (cfg, "a@example.net", NULL));
  g_assert_cmpstr (sp->next_hop, ==, "127.0.0.1:10018");
  g_assert_cmpstr (sp->spool_directory, ==, "/var/tmp");
  g_assert_cmpuint (sp->spool_memory_max, ==, 256 * 1024);
  g_assert_cmpuint (sp->message_size_max, ==, 0);
  g_assert_cmpuint (sp->timeout_command, ==, 300);
  g_assert_cmpuint (sp->timeout_data, ==, 300);
  g_assert_cmpuint (sp->timeout_next_hop, ==, 300);
  g_assert_cmpuint (sp->timeout_connect, ==, 30);
  g_assert_cmpuint (sp->timeout_data_done, ==, 600);
  g_assert_cmpint (sp->on_error, ==, DKIMMOD_ON_ERROR_TEMPFAIL);
  g_assert_cmpstr (sp->syslog_ident, ==, "dkimmod-spawn");
  g_assert_cmpstr (sp->syslog_facility, ==, "mail");
  g_assert_false (sp->allow_group_readable_keys);
  g_assert_cmpstr (sp->openssl_config, ==, "none");
  g_assert_cmpint (dkimmod_config_sender_source (cfg), ==, DKIMMOD_SENDER_FROM);
  g_assert_null (dkimmod_config_authserv_id (cfg));
  g_assert_null (dkimmod_config_path (cfg));
}

static void
test_spawn_section (void)
{
  g_autoptr (DkimmodConfig) cfg = load_ok (
    "spawn = { next_hop = \"[::1]:10026\"; spool_directory = \"/var/spool/dk\";\n"
    "  spool_memory_max = \"2M\"; message_size_max = 10240000L; timeout_command = \"5m\";\n"
    "  timeout_data = 60; timeout_next_hop = \"1h\"; on_error = \"relay\";\n"
    "  timeout_connect = \"10s\"; timeout_data_done = \"20m\";\n"
    "  syslog_ident = \"dk-out\"; syslog_facility = \"local3\";\n"
    "  allow_group_readable_keys = true; };\n"
    "signing = { sender_source = \"sender-then-from\"; };\n", NULL);
  const DkimmodSpawnSettings *sp = dkimmod_config_spawn (cfg);

  g_assert_cmpstr (sp->next_hop, ==, "[::1]:10026");
  g_assert_cmpstr (sp->spool_directory, ==, "/var/spool/dk");
  g_assert_cmpuint (sp->spool_memory_max, ==, 2 * 1048576);
  g_assert_cmpuint (sp->message_size_max, ==, 10240000);
  g_assert_cmpuint (sp->timeout_command, ==, 300);
  g_assert_cmpuint (sp->timeout_data, ==, 60);
  g_assert_cmpuint (sp->timeout_next_hop, ==, 3600);
  g_assert_cmpuint (sp->timeout_connect, ==, 10);
  g_assert_cmpuint (sp->timeout_data_done, ==, 1200);
  g_assert_cmpint (sp->on_error, ==, DKIMMOD_ON_ERROR_RELAY);
  g_assert_cmpstr (sp->syslog_ident, ==, "dk-out");
  g_assert_cmpstr (sp->syslog_facility, ==, "local3");
  g_assert_true (sp->allow_group_readable_keys);
  g_assert_cmpint (dkimmod_config_sender_source (cfg), ==, DKIMMOD_SENDER_SENDER_THEN_FROM);
}

static void
test_overrides (void)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_new_default ();
  const DkimmodSpawnSettings *sp = dkimmod_config_spawn (cfg);
  static const struct {
    const char *assignment, *error;
  } bad[] = {
    { "no_such=1", "-o no_such: unknown setting" },
    { "next_hop", "-o next_hop: expected name=value" },
    { "=x", "-o =x: expected name=value" },
    { "next_hop=127.0.0.1", "-o next_hop: \"127.0.0.1\": expected host:port, "
      "[ipv6-address]:port or unix:/path" },
    { "next_hop=127.0.0.1:0", "-o next_hop: \"127.0.0.1:0\": the port must be a number from 1 "
      "to 65535" },
    { "next_hop=::1:25", "-o next_hop: \"::1:25\": write an IPv6 address in brackets: [::1]:port" },
    { "timeout_data=0", "-o timeout_data: \"0\": must be at least 1 second" },
    { "timeout_data=2x", "-o timeout_data: \"2x\": not a duration (seconds, or a number with s, "
      "m, h, d or w)" },
    { "timeout_data=2d", "-o timeout_data: \"2d\": out of range" },
    { "spool_memory_max=2T", "-o spool_memory_max: \"2T\": not a size (bytes, or a number with "
      "k, M or G)" },
    { "spool_directory=tmp", "-o spool_directory: \"tmp\": must be an absolute path" },
    { "smtp_line_length_limit=2M", "-o smtp_line_length_limit: \"2M\": out of range" },
    { "on_error=reject", "-o on_error: \"reject\": must be tempfail or relay" },
    { "allow_group_readable_keys=maybe", "-o allow_group_readable_keys: \"maybe\": must be yes "
      "or no" },
    { "syslog_facility=kern", "-o syslog_facility: \"kern\": must be mail, daemon, user or "
      "local0 to local7" },
    { "sender_source=header", "-o sender_source: \"header\": must be from, sender-then-from or "
      "envelope" },
    { "openssl_config=openssl.cnf", "-o openssl_config: \"openssl.cnf\": must be none, system or "
      "an absolute path" },
  };

  g_assert_true (dkimmod_config_set_override (cfg, "next_hop=unix:/run/dk.sock", NULL));
  g_assert_cmpstr (sp->next_hop, ==, "unix:/run/dk.sock");
  g_assert_true (dkimmod_config_set_override (cfg, "spawn.next_hop=mail.example.net:25", NULL));
  g_assert_cmpstr (sp->next_hop, ==, "mail.example.net:25");
  g_assert_true (dkimmod_config_set_override (cfg, "timeout_data=10m", NULL));
  g_assert_cmpuint (sp->timeout_data, ==, 600);
  g_assert_true (dkimmod_config_set_override (cfg, "spool_memory_max=64k", NULL));
  g_assert_cmpuint (sp->spool_memory_max, ==, 65536);
  g_assert_true (dkimmod_config_set_override (cfg, "smtp_line_length_limit=0", NULL));
  g_assert_cmpuint (sp->smtp_line_length_limit, ==, 0);
  g_assert_true (dkimmod_config_set_override (cfg, "smtp_line_length_limit=990", NULL));
  g_assert_cmpuint (sp->smtp_line_length_limit, ==, 990);
  g_assert_true (dkimmod_config_set_override (cfg, "on_error=relay", NULL));
  g_assert_cmpint (sp->on_error, ==, DKIMMOD_ON_ERROR_RELAY);
  g_assert_true (dkimmod_config_set_override (cfg, "allow_group_readable_keys=yes", NULL));
  g_assert_true (sp->allow_group_readable_keys);
  g_assert_true (dkimmod_config_set_override (cfg, "openssl_config=system", NULL));
  g_assert_cmpstr (sp->openssl_config, ==, "system");
  g_assert_true (dkimmod_config_set_override (cfg, "openssl_config=/etc/ssl/fips.cnf", NULL));
  g_assert_cmpstr (sp->openssl_config, ==, "/etc/ssl/fips.cnf");
  g_assert_true (dkimmod_config_set_override (cfg, "sender_source=envelope", NULL));
  g_assert_cmpint (dkimmod_config_sender_source (cfg), ==, DKIMMOD_SENDER_ENVELOPE);
  g_assert_true (dkimmod_config_set_override (cfg, "authserv_id=mx.example.org", NULL));
  g_assert_cmpstr (dkimmod_config_authserv_id (cfg), ==, "mx.example.org");
  for (guint k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr (GError) error = NULL;

      g_assert_false (dkimmod_config_set_override (cfg, bad[k].assignment, &error));
      g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, bad[k].error);
    }
  /* failed overrides left the values alone */
  g_assert_cmpstr (sp->next_hop, ==, "mail.example.net:25");
  g_assert_cmpuint (sp->timeout_data, ==, 600);
}

/* Many domains: the index makes lookup independent of the entry count. */
static void
test_many_entries (void)
{
  g_autoptr (GString) text = g_string_new ("signing = { defaults = { s = \"s\"; key = \"/k\"; };\n"
                                           "sender_map = (\n");
  g_autoptr (DkimmodConfig) cfg = NULL;
  guint n = 20000;

  for (guint k = 0; k < n; k++)
    g_string_append_printf (text, "%s{ sender = \"d%u.example\"; sign = \"dkim\"; }\n",
                            k ? "," : "", k);
  g_string_append (text, "); };\n");
  cfg = load_ok (text->str, NULL);
  g_assert_cmpuint (dkimmod_config_entry_count (cfg), ==, n);
  for (guint k = 0; k < n; k += 997)
    {
      g_autofree char *sender = g_strdup_printf ("user@mail.D%u.example", k);
      g_autofree char *want = g_strdup_printf ("d%u.example", k);
      g_autoptr (GPtrArray) sigs = NULL;
      DkimmodConfigSignature *s = first_sig (cfg, sender, want, &sigs);

      g_assert_cmpstr (s->domain, ==, want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/lookup/order", test_order);
  g_test_add_func ("/config/lookup/no-match", test_no_match);
  g_test_add_func ("/config/lookup/defaults", test_defaults);
  g_test_add_func ("/config/lookup/builtin-defaults", test_builtin_defaults);
  g_test_add_func ("/config/lookup/string-form", test_string_form);
  g_test_add_func ("/config/lookup/macros", test_macros);
  g_test_add_func ("/config/lookup/key-macro-guard", test_key_macro_guard);
  g_test_add_func ("/config/lookup/relative-key", test_relative_key);
  g_test_add_func ("/config/lookup/many-entries", test_many_entries);
  g_test_add_func ("/config/lookup/idn-sender", test_idn_sender);
  g_test_add_func ("/config/load/includes", test_includes);
  g_test_add_func ("/config/load/sample", test_sample);
  g_test_add_func ("/config/load/new-default", test_new_default);
  g_test_add_func ("/config/load/spawn-section", test_spawn_section);
  g_test_add_func ("/config/override", test_overrides);
  return g_test_run ();
}
