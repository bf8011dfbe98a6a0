/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-config-verifying.c - the verifying section, its defaults, errors and -o overrides
 * DESCRIPTION
 *	Defaults without a file; every setting read from a file (relative
 *	key_file resolved against the file's directory) and mapped onto the
 *	library's DkimmodVerifyOptions; a table of bad values with the exact
 *	"FILE:LINE: verifying.NAME: ..." text; each setting again through
 *	"-o name=value" and "-o verifying.name=value", a refused override
 *	leaving the configuration unchanged; key_file read by check-config;
 *	the inbound methods and DMARC policy settings of issue 10.
 */
#include "config-test-util.h"

#include <string.h>
#include <unistd.h>

static void
test_defaults (void)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_new_default ();
  const DkimmodVerifySettings *v = dkimmod_config_verifying (cfg);
  DkimmodVerifyOptions opts;
  char host[256] = "";
  g_autofree char *fqdn = NULL;

  g_assert_cmpuint (v->max_signatures, ==, 5);
  g_assert_cmpuint (v->dns_timeout, ==, 5);
  g_assert_cmpuint (v->clock_drift, ==, 300);
  g_assert_null (v->nameserver);
  g_assert_null (v->key_file);
  g_assert_false (v->accept_rsa_sha1);
  g_assert_false (v->accept_body_length);
  g_assert_false (v->x_dkim_authentication_results);
  g_assert_cmpint (v->on_temperror, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_cmpint (v->on_fail, ==, DKIMMOD_VERIFY_ACCEPT);
  /* issue 10: every method runs, DMARC's policy is recorded, not acted on */
  g_assert_true (v->spf && v->dmarc && v->arc);
  g_assert_cmpint (v->on_dmarc_reject, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_cmpint (v->on_dmarc_quarantine, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_cmpstr (v->quarantine_header, ==, "X-DMARC-Quarantine");
  g_assert_null (v->dmarc_override_domains);
  g_assert_null (v->dmarc_override_arc_sealers);
  /* no authserv-id unless set; the default is computed by the verifying
   * callers only: a dotted name that starts with the short host name */
  g_assert_null (dkimmod_config_authserv_id (cfg));
  g_assert_null (v->authserv_id);
  g_assert_cmpint (gethostname (host, sizeof host - 1), ==, 0);
  fqdn = dkimmod_config_default_authserv_id ();
  g_assert_nonnull (strchr (fqdn, '.'));
  if (strchr (host, '.') == NULL)
    g_assert_true (g_str_has_prefix (fqdn, host) && fqdn[strlen (host)] == '.');
  dkimmod_config_verify_options (cfg, &opts);
  g_assert_cmpuint (opts.max_signatures, ==, 5);
  g_assert_cmpint (opts.clock_drift, ==, 300);
  g_assert_cmpint (opts.accept_rsa_sha1, ==, 0);
}

static void
test_full_section (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autofree char *want_kf = NULL;
  const DkimmodVerifySettings *v;
  DkimmodVerifyOptions opts;

  g_free (tcu_write (dir, "keys.txt", "sel._domainkey.example.net v=DKIM1; p=\n"));
  cfg = tcu_load_text (dir,
                       "verifying = {\n"
                       "  authserv_id = \"mx.example.net\";\n"
                       "  max_signatures = 3;\n"
                       "  nameserver = \"127.0.0.1:5353\";\n"
                       "  dns_timeout = \"10s\";\n"
                       "  clock_drift = \"2m\";\n"
                       "  accept_rsa_sha1 = true;\n"
                       "  accept_body_length = \"yes\";\n"
                       "  x_dkim_authentication_results = true;\n"
                       "  key_file = \"keys.txt\";\n"
                       "  on_temperror = \"tempfail\";\n"
                       "  on_fail = \"reject\";\n"
                       "  spf = false;\n"
                       "  dmarc = \"no\";\n"
                       "  arc = false;\n"
                       "  on_dmarc_reject = \"reject\";\n"
                       "  on_dmarc_quarantine = \"header\";\n"
                       "  quarantine_header = \"X-Spam-Flag\";\n"
                       "  dmarc_override_domains = [ \"Lists.Example.org\", \"example.com\" ];\n"
                       "  dmarc_override_arc_sealers = \"forwarder.example, lists.example\";\n"
                       "};\n", DKIMMOD_CONFIG_VALIDATE_KEYS, &error);
  g_assert_no_error (error);
  v = dkimmod_config_verifying (cfg);
  want_kf = g_build_filename (dir, "keys.txt", NULL);
  g_assert_cmpstr (v->authserv_id, ==, "mx.example.net");
  g_assert_cmpstr (dkimmod_config_authserv_id (cfg), ==, "mx.example.net");
  g_assert_cmpuint (v->max_signatures, ==, 3);
  g_assert_cmpstr (v->nameserver, ==, "127.0.0.1:5353");
  g_assert_cmpuint (v->dns_timeout, ==, 10);
  g_assert_cmpuint (v->clock_drift, ==, 120);
  g_assert_true (v->accept_rsa_sha1);
  g_assert_true (v->accept_body_length);
  g_assert_true (v->x_dkim_authentication_results);
  g_assert_cmpstr (v->key_file, ==, want_kf);
  g_assert_cmpint (v->on_temperror, ==, DKIMMOD_VERIFY_TEMPFAIL);
  g_assert_cmpint (v->on_fail, ==, DKIMMOD_VERIFY_REJECT);
  g_assert_false (v->spf || v->dmarc || v->arc);
  g_assert_cmpint (v->on_dmarc_reject, ==, DKIMMOD_VERIFY_REJECT);
  g_assert_cmpint (v->on_dmarc_quarantine, ==, DKIMMOD_VERIFY_HEADER);
  g_assert_cmpstr (v->quarantine_header, ==, "X-Spam-Flag");
  g_assert_cmpuint (g_strv_length (v->dmarc_override_domains), ==, 2);
  g_assert_cmpstr (v->dmarc_override_domains[0], ==, "lists.example.org");
  g_assert_cmpstr (v->dmarc_override_domains[1], ==, "example.com");
  g_assert_cmpuint (g_strv_length (v->dmarc_override_arc_sealers), ==, 2);
  g_assert_cmpstr (v->dmarc_override_arc_sealers[1], ==, "lists.example");
  dkimmod_config_verify_options (cfg, &opts);
  g_assert_cmpuint (opts.max_signatures, ==, 3);
  g_assert_cmpint (opts.clock_drift, ==, 120);
  g_assert_cmpint (opts.accept_rsa_sha1, ==, 1);
  g_assert_cmpint (opts.accept_body_length, ==, 1);
  tcu_rmrf (dir);
}

typedef struct {
  const char *name;
  const char *conf;
  const char *error;
} ErrorCase;

static const ErrorCase error_cases[] = {
  { "not-a-group", "verifying = \"mx\";\n", "dkimmod.conf:1: verifying: must be a group { ... }" },
  { "unknown", "verifying = {\n  reject = true;\n};\n",
    "dkimmod.conf:2: verifying.reject: unknown setting" },
  { "authserv-id", "verifying = {\n  authserv_id = \"mx example\";\n};\n",
    "dkimmod.conf:2: verifying.authserv_id: \"mx example\": " },
  { "max-zero", "verifying = {\n  max_signatures = 0;\n};\n",
    "dkimmod.conf:2: verifying.max_signatures: \"0\": must be a number from 1 to 16" },
  { "max-big", "verifying = {\n  max_signatures = \"17\";\n};\n",
    "dkimmod.conf:2: verifying.max_signatures: \"17\": must be a number from 1 to 16" },
  { "max-bool", "verifying = {\n  max_signatures = true;\n};\n",
    "dkimmod.conf:2: verifying.max_signatures: must be a number" },
  { "nameserver-name", "verifying = {\n  nameserver = \"dns.example\";\n};\n",
    "dkimmod.conf:2: verifying.nameserver: \"dns.example\": must be ADDR, ADDR:PORT or "
    "[IPV6ADDR]:PORT with a numeric address" },
  { "nameserver-port", "verifying = {\n  nameserver = \"127.0.0.1:99999\";\n};\n",
    "dkimmod.conf:2: verifying.nameserver: \"127.0.0.1:99999\": must be ADDR, ADDR:PORT or "
    "[IPV6ADDR]:PORT with a numeric address" },
  { "nameserver-port-zero", "verifying = {\n  nameserver = \"[::1]:0\";\n};\n",
    "dkimmod.conf:2: verifying.nameserver: \"[::1]:0\": must be ADDR, ADDR:PORT or "
    "[IPV6ADDR]:PORT with a numeric address" },
  { "nameserver-int", "verifying = {\n  nameserver = 53;\n};\n",
    "dkimmod.conf:2: verifying.nameserver: must be a string" },
  { "timeout-zero", "verifying = {\n  dns_timeout = 0;\n};\n",
    "dkimmod.conf:2: verifying.dns_timeout: \"0\": must be at least 1 second" },
  { "timeout-long", "verifying = {\n  dns_timeout = \"5m\";\n};\n",
    "dkimmod.conf:2: verifying.dns_timeout: \"5m\": " },
  { "timeout-negative", "verifying = {\n  dns_timeout = -1;\n};\n",
    "dkimmod.conf:2: verifying.dns_timeout: must not be negative" },
  { "drift-unit", "verifying = {\n  clock_drift = \"5 parsecs\";\n};\n",
    "dkimmod.conf:2: verifying.clock_drift: \"5 parsecs\": " },
  { "bool-word", "verifying = {\n  accept_rsa_sha1 = \"maybe\";\n};\n",
    "dkimmod.conf:2: verifying.accept_rsa_sha1: \"maybe\": must be yes or no" },
  { "bool-int", "verifying = {\n  accept_body_length = 1;\n};\n",
    "dkimmod.conf:2: verifying.accept_body_length: must be true or false" },
  { "on-temperror-reject", "verifying = {\n  on_temperror = \"reject\";\n};\n",
    "dkimmod.conf:2: verifying.on_temperror: \"reject\": must be accept or tempfail" },
  { "on-fail-tempfail", "verifying = {\n  on_fail = \"tempfail\";\n};\n",
    "dkimmod.conf:2: verifying.on_fail: \"tempfail\": must be accept or reject" },
  { "key-file-empty", "verifying = {\n  key_file = \"\";\n};\n",
    "dkimmod.conf:2: verifying.key_file: \"\": must not be empty" },
  { "spf-word", "verifying = {\n  spf = \"sometimes\";\n};\n",
    "dkimmod.conf:2: verifying.spf: \"sometimes\": must be yes or no" },
  { "dmarc-reject-tempfail", "verifying = {\n  on_dmarc_reject = \"tempfail\";\n};\n",
    "dkimmod.conf:2: verifying.on_dmarc_reject: \"tempfail\": must be accept or reject" },
  { "dmarc-quarantine-reject", "verifying = {\n  on_dmarc_quarantine = \"reject\";\n};\n",
    "dkimmod.conf:2: verifying.on_dmarc_quarantine: \"reject\": must be accept or header" },
  { "quarantine-header-colon", "verifying = {\n  quarantine_header = \"X-Q: yes\";\n};\n",
    "dkimmod.conf:2: verifying.quarantine_header: \"X-Q: yes\": must be a header field name "
    "(printable ASCII without ':' or spaces)" },
  { "quarantine-header-ar", "verifying = {\n  quarantine_header = \"authentication-results\";\n};\n",
    "dkimmod.conf:2: verifying.quarantine_header: \"authentication-results\": must not be a "
    "field that authentication reads or writes" },
  { "override-not-domain", "verifying = {\n  dmarc_override_domains = [ \"ok.example\", \"bad domain!\" ];\n};\n",
    "dkimmod.conf:2: verifying.dmarc_override_domains: \"ok.example,bad domain!\": " },
  { "override-tld", "verifying = {\n  dmarc_override_arc_sealers = \"example\";\n};\n",
    "dkimmod.conf:2: verifying.dmarc_override_arc_sealers: \"example\": " },
  { "override-number", "verifying = {\n  dmarc_override_domains = [ 1, 2 ];\n};\n",
    "dkimmod.conf:2: verifying.dmarc_override_domains: must be a list of domain strings" },
  { "override-bool", "verifying = {\n  dmarc_override_domains = true;\n};\n",
    "dkimmod.conf:2: verifying.dmarc_override_domains: must be a list of domain strings or one "
    "string" },
  { "all-faults",
    "verifying = {\n  max_signatures = 99;\n  x_dkim_authentication_results = \"often\";\n};\n",
    "dkimmod.conf:2: verifying.max_signatures: \"99\": must be a number from 1 to 16\n"
    "dkimmod.conf:3: verifying.x_dkim_authentication_results: \"often\": must be yes or no" },
};

static void
run_error_case (gconstpointer data)
{
  const ErrorCase *c = data;
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = tcu_load_text (dir, c->conf, 0, &error);
  g_autofree char *msg = NULL;

  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
  msg = tcu_strip_dir (error->message, dir);
  /* cases ending in ": " only pin the place and the setting */
  if (g_str_has_suffix (c->error, ": "))
    g_assert_true (g_str_has_prefix (msg, c->error));
  else
    g_assert_cmpstr (msg, ==, c->error);
  tcu_rmrf (dir);
}

typedef struct {
  const char *assignment;
  gsize offset;          /* field checked after a good override */
  const char *want_str;  /* for string fields */
  guint want_uint;       /* for number and boolean fields */
} OverrideCase;

#define OFF(f) G_STRUCT_OFFSET (DkimmodVerifySettings, f)

static const OverrideCase good_overrides[] = {
  { "authserv_id=mx.example.org", OFF (authserv_id), "mx.example.org", 0 },
  { "verifying.authserv_id=mx2.example.org", OFF (authserv_id), "mx2.example.org", 0 },
  { "max_signatures=7", OFF (max_signatures), NULL, 7 },
  { "verifying.max_signatures=16", OFF (max_signatures), NULL, 16 },
  { "nameserver=[::1]:5353", OFF (nameserver), "[::1]:5353", 0 },
  { "nameserver=::1", OFF (nameserver), "::1", 0 },
  { "nameserver=[::1]", OFF (nameserver), "[::1]", 0 },
  { "nameserver=127.0.0.1:65535", OFF (nameserver), "127.0.0.1:65535", 0 },
  { "nameserver=127.0.0.53", OFF (nameserver), "127.0.0.53", 0 },
  { "dns_timeout=1m", OFF (dns_timeout), NULL, 60 },
  { "clock_drift=0", OFF (clock_drift), NULL, 0 },
  { "accept_rsa_sha1=yes", OFF (accept_rsa_sha1), NULL, TRUE },
  { "accept_body_length=on", OFF (accept_body_length), NULL, TRUE },
  { "verifying.x_dkim_authentication_results=true", OFF (x_dkim_authentication_results), NULL,
    TRUE },
  { "key_file=/etc/dkimmod/keys.txt", OFF (key_file), "/etc/dkimmod/keys.txt", 0 },
  { "on_temperror=tempfail", OFF (on_temperror), NULL, DKIMMOD_VERIFY_TEMPFAIL },
  { "verifying.on_fail=reject", OFF (on_fail), NULL, DKIMMOD_VERIFY_REJECT },
  { "on_fail=accept", OFF (on_fail), NULL, DKIMMOD_VERIFY_ACCEPT },
  { "spf=no", OFF (spf), NULL, FALSE },
  { "verifying.arc=off", OFF (arc), NULL, FALSE },
  { "on_dmarc_reject=reject", OFF (on_dmarc_reject), NULL, DKIMMOD_VERIFY_REJECT },
  { "on_dmarc_quarantine=header", OFF (on_dmarc_quarantine), NULL, DKIMMOD_VERIFY_HEADER },
  { "quarantine_header=X-Quarantined", OFF (quarantine_header), "X-Quarantined", 0 },
  { "dmarc_standard=rfc7489", OFF (dmarc_standard), NULL, DKIMMOD_DMARC_RFC7489 },
  { "verifying.dmarc_standard=rfc9989", OFF (dmarc_standard), NULL, DKIMMOD_DMARC_RFC9989 },
};

static const struct {
  const char *assignment;
  const char *error;
} bad_overrides[] = {
  { "max_signatures=0", "-o max_signatures: \"0\": must be a number from 1 to 16" },
  { "max_signatures=5x", "-o max_signatures: \"5x\": must be a number from 1 to 16" },
  { "nameserver=localhost", "-o nameserver: \"localhost\": must be ADDR, ADDR:PORT or "
    "[IPV6ADDR]:PORT with a numeric address" },
  { "dns_timeout=0", "-o dns_timeout: \"0\": must be at least 1 second" },
  { "accept_rsa_sha1=perhaps", "-o accept_rsa_sha1: \"perhaps\": must be yes or no" },
  { "key_file=keys.txt", "-o key_file: \"keys.txt\": must be an absolute path" },
  { "verifying.authserv_id=", "-o verifying.authserv_id: \"\": " },
  { "on_fail=bounce", "-o on_fail: \"bounce\": must be accept or reject" },
  { "verifying.nosuch=1", "-o verifying.nosuch: unknown setting" },
  { "dmarc_override_domains=a.example,b_c", "-o dmarc_override_domains: \"a.example,b_c\": " },
  { "quarantine_header=", "-o quarantine_header: \"\": must be a header field name of 1 to 64 "
    "characters" },
  { "dmarc_standard=dmarcbis", "-o dmarc_standard: \"dmarcbis\": must be rfc9989 or rfc7489" },
};

static void
test_overrides (void)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_new_default ();
  const DkimmodVerifySettings *v = dkimmod_config_verifying (cfg);

  for (guint k = 0; k < G_N_ELEMENTS (good_overrides); k++)
    {
      const OverrideCase *c = &good_overrides[k];
      g_autoptr (GError) error = NULL;
      gconstpointer field = G_STRUCT_MEMBER_P ((gpointer) v, c->offset);

      g_test_message ("-o %s", c->assignment);
      g_assert_true (dkimmod_config_set_override (cfg, c->assignment, &error));
      g_assert_no_error (error);
      if (c->want_str)
        g_assert_cmpstr (*(char *const *) field, ==, c->want_str);
      else
        g_assert_cmpuint (*(const guint *) field, ==, c->want_uint);
    }
  g_assert_cmpstr (dkimmod_config_authserv_id (cfg), ==, "mx2.example.org");
  for (guint k = 0; k < G_N_ELEMENTS (bad_overrides); k++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("-o %s", bad_overrides[k].assignment);
      g_assert_false (dkimmod_config_set_override (cfg, bad_overrides[k].assignment, &error));
      g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_INVALID);
      if (g_str_has_suffix (bad_overrides[k].error, ": "))
        g_assert_true (g_str_has_prefix (error->message, bad_overrides[k].error));
      else
        g_assert_cmpstr (error->message, ==, bad_overrides[k].error);
    }
  /* refused overrides left everything as it was */
  g_assert_cmpuint (v->max_signatures, ==, 16);
  g_assert_cmpstr (v->nameserver, ==, "127.0.0.53");
  g_assert_cmpuint (v->dns_timeout, ==, 60);
  g_assert_true (v->accept_rsa_sha1);
  g_assert_cmpstr (v->key_file, ==, "/etc/dkimmod/keys.txt");
  g_assert_cmpstr (v->authserv_id, ==, "mx2.example.org");
  g_assert_cmpstr (v->quarantine_header, ==, "X-Quarantined");
  g_assert_null (v->dmarc_override_domains);
  /* lists by -o: commas or blanks; "" empties the list */
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc_override_domains=a.example, B.example",
                                              NULL));
  g_assert_cmpuint (g_strv_length (v->dmarc_override_domains), ==, 2);
  g_assert_cmpstr (v->dmarc_override_domains[1], ==, "b.example");
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc_override_domains=", NULL));
  g_assert_null (v->dmarc_override_domains);
}

static void
test_key_file_checked (void)
{
  g_autofree char *dir = tcu_tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autofree char *msg = NULL;

  /* a missing key file is only an error when keys are validated */
  cfg = tcu_load_text (dir, "verifying = {\n  key_file = \"none.txt\";\n};\n", 0, &error);
  g_assert_no_error (error);
  g_assert_false (dkimmod_config_check_keys (cfg, NULL, &error));
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_KEY);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_true (g_str_has_prefix (msg, "dkimmod.conf:2: verifying.key_file: "));
  g_assert_nonnull (strstr (msg, "none.txt"));
  g_clear_error (&error);
  g_clear_pointer (&cfg, dkimmod_config_free);
  g_clear_pointer (&msg, g_free);

  /* a malformed one names its own line too */
  g_free (tcu_write (dir, "bad.txt", "sel._domainkey.example.net \"unterminated\n"));
  cfg = tcu_load_text (dir, "verifying = {\n  key_file = \"bad.txt\";\n};\n",
                       DKIMMOD_CONFIG_VALIDATE_KEYS, &error);
  g_assert_null (cfg);
  g_assert_error (error, DKIMMOD_CONFIG_ERROR, DKIMMOD_CONFIG_ERROR_KEY);
  msg = tcu_strip_dir (error->message, dir);
  g_assert_true (g_str_has_prefix (msg, "dkimmod.conf:2: verifying.key_file: bad.txt:1: "));
  g_clear_error (&error);

  /* after -o the origin is "-o" */
  cfg = dkimmod_config_new_default ();
  g_assert_true (dkimmod_config_set_override (cfg, "key_file=/nonexistent/keys.txt", NULL));
  g_assert_false (dkimmod_config_check_keys (cfg, NULL, &error));
  g_assert_true (g_str_has_prefix (error->message, "-o: verifying.key_file: "));
  tcu_rmrf (dir);
}

/* The commented verifying settings of the shipped sample are valid and
 * state the defaults. */
static void
test_sample (void)
{
  g_autofree char *path = g_build_filename (tcu_srcroot (), "config", "dkimmod.conf.sample", NULL);
  g_autofree char *text = NULL, *dir = tcu_tmpdir ();
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_verifying = FALSE;
  guint uncommented = 0;
  const DkimmodVerifySettings *v;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint k = 0; lines[k]; k++)
    {
      const char *l = lines[k];

      if (g_str_has_prefix (l, "verifying = {"))
        in_verifying = TRUE;
      else if (g_str_has_prefix (l, "};"))
        in_verifying = FALSE;
      if (in_verifying && g_str_has_prefix (l, "  # ") && strchr (l, '=') != NULL)
        {
          g_string_append_printf (out, "  %s\n", l + 4);
          uncommented++;
        }
      else
        g_string_append_printf (out, "%s\n", l);
    }
  g_assert_cmpuint (uncommented, >=, 10);
  cfg = tcu_load_text (dir, out->str, 0, &error);
  g_assert_no_error (error);
  v = dkimmod_config_verifying (cfg);
  g_assert_cmpuint (v->max_signatures, ==, 5);
  g_assert_cmpuint (v->dns_timeout, ==, 5);
  g_assert_cmpuint (v->clock_drift, ==, 300);
  g_assert_false (v->accept_rsa_sha1);
  g_assert_cmpint (v->on_fail, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_true (v->spf && v->dmarc && v->arc);
  g_assert_cmpint (v->on_dmarc_reject, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_cmpint (v->on_dmarc_quarantine, ==, DKIMMOD_VERIFY_ACCEPT);
  g_assert_cmpstr (v->quarantine_header, ==, "X-DMARC-Quarantine");
  g_assert_null (v->dmarc_override_domains);
  tcu_rmrf (dir);
}

/* dkimmod_config_auth_options: one mapping of the section to the
 * aggregate's options, for the filter and the CLI */
static void
test_auth_options (void)
{
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_new_default ();
  DkimmodAuthOptions o;

  dkimmod_config_auth_options (cfg, &o);
  g_assert_cmpuint (o.methods, ==, DKIMMOD_AUTH_ALL);
  g_assert_cmpint (o.dmarc_standard, ==, DKIMMOD_DMARC_RFC9989);
  g_assert_null (o.dmarc_allow_domains);
  g_assert_cmpuint (o.dkim.max_signatures, ==, 5);
  g_assert_true (dkimmod_config_set_override (cfg, "spf=no", NULL));
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc=no", NULL));
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc_standard=rfc7489", NULL));
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc_override_domains=a.example", NULL));
  g_assert_true (dkimmod_config_set_override (cfg, "dmarc_override_arc_sealers=l.example", NULL));
  g_assert_true (dkimmod_config_set_override (cfg, "max_signatures=3", NULL));
  dkimmod_config_auth_options (cfg, &o);
  g_assert_cmpuint (o.methods, ==, DKIMMOD_AUTH_DKIM | DKIMMOD_AUTH_ARC);
  g_assert_cmpint (o.dmarc_standard, ==, DKIMMOD_DMARC_RFC7489);
  g_assert_cmpstr (o.dmarc_allow_domains[0], ==, "a.example");
  g_assert_null (o.dmarc_allow_domains[1]);
  g_assert_cmpstr (o.dmarc_trusted_sealers[0], ==, "l.example");
  g_assert_cmpuint (o.dkim.max_signatures, ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/verifying/defaults", test_defaults);
  g_test_add_func ("/config/verifying/full-section", test_full_section);
  for (guint k = 0; k < G_N_ELEMENTS (error_cases); k++)
    {
      g_autofree char *name = g_strdup_printf ("/config/verifying/error/%s", error_cases[k].name);

      g_test_add_data_func (name, &error_cases[k], run_error_case);
    }
  g_test_add_func ("/config/verifying/overrides", test_overrides);
  g_test_add_func ("/config/verifying/auth-options", test_auth_options);
  g_test_add_func ("/config/verifying/key-file-checked", test_key_file_checked);
  g_test_add_func ("/config/verifying/sample", test_sample);
  return g_test_run ();
}
