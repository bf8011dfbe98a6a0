/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd-rotate.c - "dkimmod rotate": a domain's next key, then the switch to it
 * SYNOPSIS
 *	dkimmod_cmd_rotate
 * DESCRIPTION
 *	A domain whose key is rotated keeps its signing settings in a state
 *	file owned by this command, DIR/rotate/DOMAIN.conf (DIR: the
 *	directory of dkimmod.conf), which the entry of the domain includes
 *	in place of its sign setting:
 *	    { sender = "example.net"; @include "rotate/example.net.conf" }
 *	The file holds sign (what is signed with now), next (a key made and
 *	waiting for its DNS record) and previous (the key just retired), see
 *	dkimmod.conf(5), KEY ROTATION. The command rewrites that file whole
 *	(a temporary file renamed over it), never the main file, whose
 *	comments and layout are the postmaster's.
 *
 *	Without --activate: makes the next key with the code of "dkimmod
 *	keygen" (same type as the current key unless -a), records it as
 *	next and prints the TXT record to publish. The first time, the state
 *	file is written from the entry's current signature and the command
 *	says which line to change.
 *	The key belongs to the filter's user from the moment it exists: run
 *	as root, the file is given (before a byte is written) to --user, else
 *	to the user= of the master.cf spawn service that runs dkimmod-spawn
 *	with this configuration, else to the package's dkimmod user; with
 *	none of them it refuses, since a root-owned key is one the filter
 *	cannot read (every message would get 451 after --activate). Run as
 *	another user, it first checks that it can write the key's directory
 *	and the state file's, so that a refusal leaves no key behind; a
 *	state file that still cannot be written removes the new key.
 *	With --activate: checks as the filter's user (a child with its ids,
 *	run-as-user.c) that the next key loads as dkimmod-spawn loads it,
 *	then runs the check of "dkimmod testkey" for the next
 *	key (the record is published and matches); only then it makes next
 *	the signing key, keeps the old one as previous, loads the
 *	configuration again to prove it now signs with the new selector
 *	(restoring the state file if not), and prints the advice to leave
 *	the old record published for a week.
 * STANDARDS
 *	RFC 6376 section 3.6.2.2 (key records), RFC 8301 (key sizes).
 * DIAGNOSTICS
 *	Exit 0 done; 1 DNS does not publish the next key (nothing changed);
 *	75 DNS temporary error; 64 usage; 65 nothing to activate or a key is
 *	already waiting; 67 run as root with no filter user to give the key
 *	to; 73 a directory this user cannot write; 77 the filter's user
 *	cannot read the next key (--activate), or --user names another user
 *	without root; 78 the configuration does not use the state file.
 * NEVER
 *	Switch selectors before DNS publishes the new key, or to a key the
 *	filter's user cannot read; edit the main configuration file;
 *	overwrite a key; leave a key that no state file names.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "cli.h"
#include "config-load.h"
#include "run-as-user.h"

#define ROTATE_OLD_RECORD_DAYS 7

typedef struct
{
  const char *domain, *selector, *config, *nameserver, *timeout, *keydir, *user;
  gboolean activate, ed25519, ed25519_set;
  guint bits;
  /* resolved: the filter's user when run as root (NULL otherwise: the
   * key is the caller's), its ids, and how dkimmod-spawn loads keys */
  char *filter_user;
  uid_t uid;
  gid_t gid;
  unsigned key_flags;
} RotateOptions;

/* One setting of a group in the state file, written back as read. */
typedef struct
{
  char *name;
  char *value;
  gboolean is_int;
} StateField;

typedef struct
{
  GPtrArray *sign;      /* of StateField: the signature group */
  GPtrArray *next;      /* NULL when no key waits */
  GPtrArray *previous;  /* NULL when none */
} RotateState;

static const char rotate_usage[] =
  "usage: dkimmod rotate -d DOMAIN [-s NEW_SELECTOR] [-a rsa|ed25519] [-b BITS]\n"
  "                      [-o KEYDIR] --config FILE\n"
  "       dkimmod rotate --activate -d DOMAIN --config FILE [--nameserver ADDR[:PORT]]\n"
  "                      [--timeout SECONDS]\n"
  "       (both forms also take --user NAME[:GROUP])\n"
  "\n"
  "Makes the next key of DOMAIN and prints its DNS record; with --activate,\n"
  "switches DOMAIN to it once DNS publishes the record. The state lives in\n"
  "rotate/DOMAIN.conf beside FILE, included by the entry of DOMAIN.\n"
  "\n"
  "  -d, --domain DOMAIN       the sender_map entry to rotate\n"
  "  -s, --selector SEL        the new selector (default: sYYYYMMDD)\n"
  "  -a, --algorithm ALG       rsa or ed25519 (default: as the current key)\n"
  "  -b, --bits BITS           RSA key size (default 2048)\n"
  "  -o, --directory DIR       where the new key goes (default: beside the current one)\n"
  "      --config FILE         dkimmod.conf\n"
  "      --activate            switch to the next key (after checking DNS)\n"
  "      --nameserver ADDR     DNS server for the check (default: /etc/resolv.conf)\n"
  "      --timeout SECONDS     DNS deadline (default 5)\n"
  "      --user NAME[:GROUP]   the filter's user, who gets the key (run as root; default:\n"
  "                            the master.cf spawn service's user=, else dkimmod)\n"
  "  -h, --help                this text\n";

enum { OPT_CONFIG = 256, OPT_ACTIVATE, OPT_NAMESERVER, OPT_TIMEOUT, OPT_USER };

static const struct option rotate_long_options[] = {
  { "domain", required_argument, NULL, 'd' },
  { "selector", required_argument, NULL, 's' },
  { "algorithm", required_argument, NULL, 'a' },
  { "bits", required_argument, NULL, 'b' },
  { "directory", required_argument, NULL, 'o' },
  { "config", required_argument, NULL, OPT_CONFIG },
  { "activate", no_argument, NULL, OPT_ACTIVATE },
  { "nameserver", required_argument, NULL, OPT_NAMESERVER },
  { "timeout", required_argument, NULL, OPT_TIMEOUT },
  { "user", required_argument, NULL, OPT_USER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* rotate_parse_args - argv into OPT; an exit status, or -1 after --help */
static int
rotate_parse_args (int argc, char **argv, RotateOptions *opt)
{
  guint64 bits;
  int c;

  optind = 1;
  while ((c = getopt_long (argc, argv, "d:s:a:b:o:h", rotate_long_options, NULL)) != -1)
    switch (c)
      {
      case 'd': opt->domain = optarg; break;
      case 's': opt->selector = optarg; break;
      case 'o': opt->keydir = optarg; break;
      case 'a':
        opt->ed25519_set = TRUE;
        opt->ed25519 = g_str_has_prefix (optarg, "ed25519");
        if (!opt->ed25519 && !g_str_has_prefix (optarg, "rsa"))
          return dkimmod_cli_warn ("-a: rsa or ed25519, not %s", optarg), EX_USAGE;
        break;
      case 'b':
        if (!dkimmod_cli_parse_u64 (optarg, 1024, 8192, &bits))
          return dkimmod_cli_warn ("-b: 1024 to 8192, not %s", optarg), EX_USAGE;
        opt->bits = (guint) bits;
        break;
      case OPT_CONFIG: opt->config = optarg; break;
      case OPT_ACTIVATE: opt->activate = TRUE; break;
      case OPT_NAMESERVER: opt->nameserver = optarg; break;
      case OPT_TIMEOUT: opt->timeout = optarg; break;
      case OPT_USER: opt->user = optarg; break;
      case 'h':
        fputs (rotate_usage, stdout);
        return -1;
      default:
        fputs (rotate_usage, stderr);
        return EX_USAGE;
      }
  if (optind < argc || opt->domain == NULL || opt->config == NULL
      || (opt->activate && (opt->selector || opt->ed25519_set || opt->bits || opt->keydir)))
    {
      fputs (rotate_usage, stderr);
      return EX_USAGE;
    }
  return EX_OK;
}

static void
state_field_free (gpointer data)
{
  StateField *f = data;

  g_free (f->name);
  g_free (f->value);
  g_free (f);
}

static void
rotate_state_clear (RotateState *st)
{
  g_clear_pointer (&st->sign, g_ptr_array_unref);
  g_clear_pointer (&st->next, g_ptr_array_unref);
  g_clear_pointer (&st->previous, g_ptr_array_unref);
}

static GPtrArray *
fields_new (void)
{
  return g_ptr_array_new_with_free_func (state_field_free);
}

/* field_set - NAME = VALUE in FIELDS, replacing or appending */
static void
field_set (GPtrArray *fields, const char *name, const char *value, gboolean is_int)
{
  StateField *f = NULL;

  for (guint k = 0; k < fields->len && f == NULL; k++)
    if (g_str_equal (((StateField *) g_ptr_array_index (fields, k))->name, name))
      f = g_ptr_array_index (fields, k);
  if (f == NULL)
    {
      f = g_new0 (StateField, 1);
      f->name = g_strdup (name);
      g_ptr_array_add (fields, f);
    }
  g_free (f->value);
  f->value = g_strdup (value);
  f->is_int = is_int;
}

/* field_get - the value of NAME in FIELDS, or NULL */
static const char *
field_get (GPtrArray *fields, const char *name)
{
  for (guint k = 0; fields != NULL && k < fields->len; k++)
    if (g_str_equal (((StateField *) g_ptr_array_index (fields, k))->name, name))
      return ((StateField *) g_ptr_array_index (fields, k))->value;
  return NULL;
}

/* fields_from_group - every string and integer setting of group G */
static GPtrArray *
fields_from_group (const config_setting_t *g)
{
  GPtrArray *fields = fields_new ();

  for (int k = 0; g != NULL && k < config_setting_length (g); k++)
    {
      config_setting_t *m = config_setting_get_elem (g, k);
      g_autofree char *num = NULL;

      if (config_setting_type (m) == CONFIG_TYPE_STRING)
        field_set (fields, config_setting_name (m), config_setting_get_string (m), FALSE);
      else if (config_setting_type (m) == CONFIG_TYPE_INT || config_setting_type (m) == CONFIG_TYPE_INT64)
        {
          num = g_strdup_printf ("%lld", config_setting_get_int64 (m));
          field_set (fields, config_setting_name (m), num, TRUE);
        }
    }
  return fields;
}

/* read_state - PATH into ST; FALSE with ERROR if it exists but is bad */
static gboolean
read_state (const char *path, RotateState *st, GError **error)
{
  config_t c;
  config_setting_t *sign;
  gboolean ok = TRUE;

  config_init (&c);
  if (!config_read_file (&c, path))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s:%d: %s", path,
                   config_error_line (&c), config_error_text (&c));
      config_destroy (&c);
      return FALSE;
    }
  sign = config_lookup (&c, "sign");
  if (sign != NULL && config_setting_is_list (sign) && config_setting_length (sign) == 1)
    sign = config_setting_get_elem (sign, 0);
  if (sign == NULL || !config_setting_is_group (sign))
    ok = (g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: sign must hold one "
                       "signature group", path), FALSE);
  else
    {
      st->sign = fields_from_group (sign);
      if (config_lookup (&c, "next") != NULL)
        st->next = fields_from_group (config_lookup (&c, "next"));
      if (config_lookup (&c, "previous") != NULL)
        st->previous = fields_from_group (config_lookup (&c, "previous"));
    }
  config_destroy (&c);
  return ok;
}

/* append_group - "NAME = { a = "..."; n = 5; }" of FIELDS */
static void
append_group (GString *out, const char *name, GPtrArray *fields, const char *close)
{
  g_string_append_printf (out, "%s{ ", name);
  for (guint k = 0; k < fields->len; k++)
    {
      const StateField *f = g_ptr_array_index (fields, k);

      if (f->is_int)
        g_string_append_printf (out, "%s = %s; ", f->name, f->value);
      else
        {
          g_autofree char *esc = g_strescape (f->value, NULL);

          g_string_append_printf (out, "%s = \"%s\"; ", f->name, esc);
        }
    }
  g_string_append_printf (out, "}%s\n", close);
}

/* state_text - the whole state file */
static char *
state_text (const char *domain, const RotateState *st)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "# The signing key of %s, written by \"dkimmod rotate\": change it with that.\n"
                          "# Included by the entry of %s in dkimmod.conf:\n"
                          "#   { sender = \"%s\"; @include \"rotate/%s.conf\" }\n",
                          domain, domain, domain, domain);
  append_group (out, "sign = ( ", st->sign, " );");
  if (st->next != NULL)
    append_group (out, "next = ", st->next, ";");
  if (st->previous != NULL)
    append_group (out, "previous = ", st->previous, ";");
  return g_string_free (out, FALSE);
}

/* write_state - TEXT to PATH through a temporary file and rename */
static int
write_state (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    return dkimmod_cli_warn ("%s: %s", dir, g_strerror (errno)), EX_CANTCREAT;
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error))
    return dkimmod_cli_warn ("%s", error->message), EX_CANTCREAT;
  return EX_OK;
}

/* first_existing_dir - PATH, or its nearest ancestor that exists (g_free) */
static char *
first_existing_dir (const char *path)
{
  char *dir = g_strdup (path);

  while (!g_file_test (dir, G_FILE_TEST_IS_DIR) && strcmp (dir, "/") != 0 && strcmp (dir, ".") != 0)
    {
      char *up = g_path_get_dirname (dir);

      g_free (dir);
      dir = up;
    }
  return dir;
}

/* check_writable - this process can create files in DIR (made if
 * missing); said before a key exists, so a refusal leaves nothing */
static int
check_writable (const char *dir, const char *what)
{
  g_autofree char *have = first_existing_dir (dir);

  if (access (have, W_OK | X_OK) == 0)
    return EX_OK;
  return dkimmod_cli_warn ("%s: %s cannot write here (%s): nothing was made. Run dkimmod rotate "
                           "as root (it gives the key to the filter's user), or let uid %u "
                           "write %s", have, g_get_user_name (), what, (unsigned) geteuid (), have),
         EX_CANTCREAT;
}

/* current_sig - the one signature the config makes for DOMAIN now, from
 * the entry for DOMAIN itself (transfer full), or NULL with a warning */
static DkimmodConfigSignature *
current_sig (const DkimmodConfig *cfg, const char *domain)
{
  g_autofree char *sender = g_strdup_printf ("postmaster@%s", domain);
  const char *matched = NULL;
  g_autoptr (GPtrArray) sigs = dkimmod_config_lookup (cfg, sender, &matched);

  if (sigs == NULL || g_ascii_strcasecmp (matched, domain) != 0)
    return dkimmod_cli_warn ("%s: no sender_map entry for %s itself%s%s", dkimmod_config_path (cfg),
                             domain, matched ? " (it falls to " : "", matched ? matched : ""),
           NULL;
  if (sigs->len != 1)
    return dkimmod_cli_warn ("%s: the entry for %s makes %u signatures; rotate handles entries "
                             "with one (rotate each in its own entry)", dkimmod_config_path (cfg),
                             domain, sigs->len), NULL;
  return g_ptr_array_steal_index (sigs, 0);
}

/* state_from_sig - the first state file: SIG as it is configured now */
static GPtrArray *
state_from_sig (const DkimmodConfigSignature *sig, const char *domain)
{
  GPtrArray *f = fields_new ();
  const char *canon[] = { "simple", "relaxed" };
  g_autofree char *c = g_strdup_printf ("%s/%s", canon[sig->header_canon], canon[sig->body_canon]);

  field_set (f, "s", sig->selector, FALSE);
  if (g_ascii_strcasecmp (sig->domain, domain) != 0)
    field_set (f, "d", sig->domain, FALSE);
  if (sig->identity != NULL)
    field_set (f, "i", sig->identity, FALSE);
  field_set (f, "c", c, FALSE);
  if (sig->algorithm != DKIMMOD_ALG_FROM_KEY)
    field_set (f, "a", dkimmod_algorithm_name (sig->algorithm), FALSE);
  if (sig->headers != NULL)
    field_set (f, "h", sig->headers, FALSE);
  if (sig->oversign != NULL)
    field_set (f, "oversign", sig->oversign, FALSE);
  if (sig->expire_after > 0)
    {
      g_autofree char *x = g_strdup_printf ("%" G_GUINT64_FORMAT, sig->expire_after);

      field_set (f, "expire", x, TRUE);
    }
  field_set (f, "key", sig->key_path, FALSE);
  return f;
}

/* uses_state - the config signs DOMAIN with the state file's sign group */
static gboolean
uses_state (const DkimmodConfigSignature *sig, const RotateState *st)
{
  return g_strcmp0 (field_get (st->sign, "s"), sig->selector) == 0
         && g_strcmp0 (field_get (st->sign, "key"), sig->key_path) == 0;
}

/* now_text - the current UTC time, ISO 8601 */
static char *
now_text (gint64 days_later)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) t = g_date_time_add_days (now, (gint) days_later);

  return g_date_time_format (t, days_later ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ");
}

/* new_selector - -s, or sYYYYMMDD (with a letter when that is taken) */
static char *
new_selector (const RotateOptions *opt, const char *current)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *base = g_date_time_format (now, "s%Y%m%d");

  if (opt->selector != NULL)
    return g_strdup (opt->selector);
  if (g_strcmp0 (base, current) != 0)
    return g_steal_pointer (&base);
  return g_strdup_printf ("%sb", base);
}

/* key_is_ed25519 - the type of the key at PATH (RSA when unreadable) */
static gboolean
key_is_ed25519 (const char *path)
{
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = dkimmod_key_load_file (ctx, path, DKIMMOD_KEY_ALLOW_GROUP_READABLE,
                                                      &err);

  return key != NULL && dkimmod_key_algorithm (key) == DKIMMOD_ALG_ED25519_SHA256;
}

/* rotate_next - make the next key, record it, print its record */
static int
rotate_next (const RotateOptions *opt, const DkimmodConfigSignature *cur, RotateState *st,
             const char *path, gboolean included)
{
  g_autofree char *sel = new_selector (opt, cur->selector);
  g_autofree char *dir = opt->keydir ? g_strdup (opt->keydir) : g_path_get_dirname (cur->key_path);
  g_autofree char *keypath = NULL, *zone = NULL, *created = now_text (0), *text = NULL;
  gboolean ed = opt->ed25519_set ? opt->ed25519 : key_is_ed25519 (cur->key_path);
  int status;

  if (st->next != NULL)
    return dkimmod_cli_warn ("%s: the next key (s=%s) is already waiting: publish its record "
                             "and run dkimmod rotate --activate", path, field_get (st->next, "s")),
           EX_DATAERR;
  if (g_strcmp0 (sel, cur->selector) == 0)
    return dkimmod_cli_warn ("-s %s: that is the current selector", sel), EX_USAGE;
  {
    g_autofree char *state_dir = g_path_get_dirname (path);

    if ((status = check_writable (dir, "the new key")) != EX_OK
        || (status = check_writable (state_dir, "the state file")) != EX_OK)
      return status;
  }
  status = dkimmod_cli_keygen (ed, opt->bits, opt->domain, sel, dir,
                               opt->filter_user ? opt->uid : (uid_t) -1,
                               opt->filter_user ? opt->gid : (gid_t) -1, &zone);
  if (status != EX_OK)
    return status;
  keypath = g_canonicalize_filename (sel, dir);
  {
    g_autofree char *kp = g_strdup_printf ("%s.key", keypath);

    st->next = fields_new ();
    field_set (st->next, "s", sel, FALSE);
    field_set (st->next, "key", kp, FALSE);
    field_set (st->next, "a", ed ? "ed25519-sha256" : "rsa-sha256", FALSE);
    field_set (st->next, "created", created, FALSE);
  }
  text = state_text (opt->domain, st);
  if ((status = write_state (path, text)) != EX_OK)
    {
      g_autofree char *kp = g_strdup_printf ("%s.key", keypath);
      g_autofree char *txt = g_strdup_printf ("%s.txt", keypath);

      /* no key that no state file names */
      unlink (kp);
      unlink (txt);
      dkimmod_cli_warn ("the new key %s was removed: nothing changed", kp);
      return status;
    }
  if (opt->filter_user != NULL)
    printf ("%s: the new key belongs to %s (mode 0600), the filter's user\n", opt->domain,
            opt->filter_user);
  fputs (zone, stdout);
  printf ("\n%s: next key s=%s recorded in %s.\nPublish the record above, then run:\n"
          "  dkimmod rotate --activate -d %s --config %s\n", opt->domain, sel, path,
          opt->domain, opt->config);
  if (!included)
    printf ("\nFirst rotation of %s: in %s, replace the sign setting of its entry with\n"
            "  @include \"rotate/%s.conf\"\n(the file holds the same signature). No reload is "
            "needed: each connection reads the config.\n",
            opt->domain, opt->config, opt->domain);
  return EX_OK;
}

/* Publishes - dns_publishes's question, for a child run as the filter */
typedef struct
{
  const RotateOptions *opt;
  const char *sel, *key;
} Publishes;

/* testkey_next - what "dkimmod testkey" checks, for the next key */
static int
testkey_next (gpointer data)
{
  const Publishes *q = data;
  const RotateOptions *opt = q->opt;
  const char *sel = q->sel, *key = q->key;
  const char *argv[12] = { "testkey", "-d", opt->domain, "-s", sel, "-k", key };
  int argc = 7;

  if (opt->nameserver != NULL)
    argv[argc++] = "--nameserver", argv[argc++] = opt->nameserver;
  if (opt->timeout != NULL)
    argv[argc++] = "--timeout", argv[argc++] = opt->timeout;
  argv[argc] = NULL;
  fflush (stdout);
  return dkimmod_cmd_testkey (argc, (char **) argv);
}

/* dns_publishes - testkey_next as the filter's user when run as root:
 * the library loads a private key only for its owner (or root's own) */
static int
dns_publishes (const RotateOptions *opt, const char *sel, const char *key)
{
  Publishes q = { opt, sel, key };
  g_autoptr (GError) error = NULL;
  int status;

  if (opt->filter_user == NULL)
    return testkey_next (&q);
  status = dkimmod_run_as_user (opt->filter_user, testkey_next, &q, &error);
  if (error != NULL)
    dkimmod_cli_warn ("%s", error->message);
  return status;
}

/* promote - next becomes sign, sign becomes previous */
static void
promote (RotateState *st)
{
  g_autofree char *retired = now_text (0);

  g_clear_pointer (&st->previous, g_ptr_array_unref);
  st->previous = fields_new ();
  field_set (st->previous, "s", field_get (st->sign, "s"), FALSE);
  field_set (st->previous, "key", field_get (st->sign, "key"), FALSE);
  field_set (st->previous, "retired", retired, FALSE);
  field_set (st->sign, "s", field_get (st->next, "s"), FALSE);
  field_set (st->sign, "key", field_get (st->next, "key"), FALSE);
  if (field_get (st->sign, "a") != NULL)
    field_set (st->sign, "a", field_get (st->next, "a"), FALSE);
  g_clear_pointer (&st->next, g_ptr_array_unref);
}

/* switched - the config, loaded again, signs DOMAIN with SEL */
static gboolean
switched (const RotateOptions *opt, const char *sel)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = dkimmod_config_load (opt->config, 0, NULL, &error);
  g_autoptr (DkimmodConfigSignature) sig = cfg ? current_sig (cfg, opt->domain) : NULL;

  if (cfg == NULL)
    dkimmod_cli_warn ("%s", error->message);
  return sig != NULL && g_strcmp0 (sig->selector, sel) == 0;
}

/* LoadCheck - what load_as_filter checks, in the child */
typedef struct
{
  const char *path;
  unsigned flags;
} LoadCheck;

/* load_key_here - the key at CHECK->path loads as dkimmod-spawn loads it */
static int
load_key_here (gpointer data)
{
  const LoadCheck *check = data;
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = dkimmod_key_load_file (ctx, check->path, check->flags, &err);

  if (key != NULL)
    return EX_OK;
  dkimmod_cli_warn ("%s", err.message);
  return EX_NOPERM;
}

/* filter_can_load - the filter's user (root: in a child with its ids)
 * can load the next key; else why, and the fix */
static int
filter_can_load (const RotateOptions *opt, const char *key)
{
  LoadCheck check = { key, opt->key_flags };
  g_autoptr (GError) error = NULL;
  const char *who = opt->filter_user ? opt->filter_user : g_get_user_name ();
  int status = opt->filter_user ? dkimmod_run_as_user (opt->filter_user, load_key_here, &check,
                                                      &error)
                                : load_key_here (&check);

  if (error != NULL)
    dkimmod_cli_warn ("%s", error->message);
  if (status == EX_OK)
    return EX_OK;
  return dkimmod_cli_warn ("not activated: %s, the filter's user, cannot use the next key %s "
                           "(why and the fix: above); with it every message would get 451",
                           who, key),
         EX_NOPERM;
}

/* rotate_activate - check DNS, switch, prove it, advise */
static int
rotate_activate (const RotateOptions *opt, RotateState *st, const char *path, const char *old_text)
{
  g_autofree char *sel = NULL, *old_sel = NULL, *until = now_text (ROTATE_OLD_RECORD_DAYS);
  g_autofree char *text = NULL;
  int status;

  if (st->next == NULL)
    return dkimmod_cli_warn ("%s: no next key: run dkimmod rotate -d %s first", path, opt->domain),
           EX_DATAERR;
  sel = g_strdup (field_get (st->next, "s"));
  old_sel = g_strdup (field_get (st->sign, "s"));
  if ((status = filter_can_load (opt, field_get (st->next, "key"))) != EX_OK)
    return status;
  status = dns_publishes (opt, sel, field_get (st->next, "key"));
  if (status != EX_OK)
    {
      dkimmod_cli_warn ("not activated: DNS does not publish the key of s=%s yet; %s still "
                        "signs with s=%s", sel, opt->domain, old_sel);
      return status;
    }
  promote (st);
  text = state_text (opt->domain, st);
  if ((status = write_state (path, text)) != EX_OK)
    return status;
  if (!switched (opt, sel))
    {
      write_state (path, old_text);
      return dkimmod_cli_warn ("%s does not sign %s from %s: nothing changed", opt->config,
                               opt->domain, path), EX_CONFIG;
    }
  printf ("%s now signs with s=%s.\nKeep the old record %s._domainkey.%s published for a week "
          "(until %s):\nmail signed with it is still queued or in transit and is verified "
          "against it.\nThen remove the record and the old key %s.\n", opt->domain, sel, old_sel,
          opt->domain, until, field_get (st->previous, "key"));
  return EX_OK;
}

/* resolve_owner - who gets the key: as root the filter's user (--user,
 * else the master.cf spawn service's user=, else the package's dkimmod),
 * else whoever runs this (--user must then name that user) */
static int
resolve_owner (RotateOptions *opt)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  if (geteuid () != 0)
    {
      if (opt->user != NULL && (!dkimmod_user_lookup (opt->user, &opt->uid, &opt->gid, &error)
                                || opt->uid != geteuid ()))
        return dkimmod_cli_warn ("--user %s: %s", opt->user,
                                 error ? error->message : "another user: run this as root"),
               error ? EX_NOUSER : EX_NOPERM;
      return EX_OK;
    }
  opt->filter_user = dkimmod_cli_filter_user (opt->user, NULL, opt->config, &why);
  if (opt->filter_user == NULL && dkimmod_user_lookup ("dkimmod", &opt->uid, &opt->gid, NULL))
    opt->filter_user = g_strdup ("dkimmod");
  if (opt->filter_user == NULL)
    return dkimmod_cli_warn ("run as root, the key would be root's and the filter could not read "
                             "it (%s): name the filter's user with --user NAME[:GROUP]",
                             why ? why : "no filter user found"),
           EX_NOUSER;
  if (!dkimmod_user_lookup (opt->filter_user, &opt->uid, &opt->gid, &error))
    return dkimmod_cli_warn ("%s", error->message), EX_NOUSER;
  return EX_OK;
}

int
dkimmod_cmd_rotate (int argc, char **argv)
{
  RotateOptions opt = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  g_autoptr (DkimmodConfigSignature) cur = NULL;
  g_autofree char *dir = NULL, *path = NULL, *old_text = NULL;
  RotateState st = { 0 };
  int status = rotate_parse_args (argc, argv, &opt);
  gboolean included;

  if (status != EX_OK)
    return status == -1 ? EX_OK : status;
  if ((cfg = dkimmod_config_load (opt.config, 0, NULL, &error)) == NULL)
    return dkimmod_cli_warn ("%s", error->message), EX_CONFIG;
  if ((cur = current_sig (cfg, opt.domain)) == NULL)
    return EX_CONFIG;
  opt.key_flags = dkimmod_config_spawn (cfg)->allow_group_readable_keys
                    ? DKIMMOD_KEY_ALLOW_GROUP_READABLE : 0;
  if ((status = resolve_owner (&opt)) != EX_OK)
    return g_free (opt.filter_user), status;
  dir = g_path_get_dirname (opt.config);
  path = g_strdup_printf ("%s/rotate/%s.conf", dir, opt.domain);
  if (g_file_get_contents (path, &old_text, NULL, NULL) && !read_state (path, &st, &error))
    return dkimmod_cli_warn ("%s", error->message), EX_CONFIG;
  if (st.sign == NULL)
    st.sign = state_from_sig (cur, opt.domain);
  included = old_text != NULL && uses_state (cur, &st);
  if (opt.activate && !included)
    status = (dkimmod_cli_warn ("%s does not sign %s from %s: put @include \"rotate/%s.conf\" "
                                "in its entry first", opt.config, opt.domain, path, opt.domain),
              EX_CONFIG);
  else if (opt.activate)
    status = rotate_activate (&opt, &st, path, old_text);
  else
    status = rotate_next (&opt, cur, &st, path, included);
  rotate_state_clear (&st);
  g_free (opt.filter_user);
  return status;
}
