/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	check-risks.c - "dkimmod check-config": valid but risky setups
 * SYNOPSIS
 *	dkimmod_check_risks
 * DESCRIPTION
 *	After a configuration loaded without error, looks at what it signs
 *	with and warns, one line each on stderr as "ORIGIN: warning: ...":
 *	- a catch-all "." entry: every sender domain that reaches the filter
 *	  gets a signature;
 *	- one key signing for unrelated domains (neither a subdomain of the
 *	  other): whoever steals that key can sign for all of them;
 *	- RSA keys under 2048 bits (1024 is the RFC 8301 minimum);
 *	- keys readable by their group (accepted only with
 *	  spawn.allow_group_readable_keys; readable by others is an error);
 *	- with --dns, a selector whose record DNS does not publish (or not
 *	  for this key): the check of "dkimmod testkey", whose report is
 *	  printed as it runs.
 *	Signatures whose d, s or key hold a macro are known only per message
 *	and are skipped.
 * STANDARDS
 *	RFC 8301 section 3.2 (RSA key sizes); RFC 6376 section 8.2 (one
 *	key, many domains).
 * NEVER
 *	Turn a warning into an error: the configuration works as written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "check-risks.h"
#include "cli.h"

#define RISK_RSA_BITS 2048u

/* What one key file signs for. */
typedef struct
{
  char *origin;       /* first entry using it */
  GPtrArray *domains; /* distinct d= values */
} KeyUse;

typedef struct
{
  const DkimmodConfig *cfg;
  GHashTable *keys;   /* path -> KeyUse */
  GHashTable *dns;    /* "s\nd\nkey" -> origin, for --dns */
  GHashTable *catch_all; /* origins already warned about */
  guint warnings;
} Risks;

static void
key_use_free (gpointer data)
{
  KeyUse *u = data;

  g_free (u->origin);
  g_ptr_array_unref (u->domains);
  g_free (u);
}

/* warn - "ORIGIN: warning: ..." on stderr */
static void G_GNUC_PRINTF (3, 4)
warn (Risks *r, const char *origin, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "%s: warning: %s\n", origin ? origin : "?", msg);
  r->warnings++;
}

/* collect - one signature of one entry */
static void
collect (const char *sender, const DkimmodConfigSignature *sig, gpointer user_data)
{
  Risks *r = user_data;
  g_autofree char *d = g_ascii_strdown (sig->domain, -1);
  g_autofree char *name = NULL;
  KeyUse *u;

  if (g_str_equal (sender, ".") && g_hash_table_add (r->catch_all, g_strdup (sig->origin)))
    warn (r, sig->origin, "the catch-all entry \".\" signs for every sender domain that "
          "reaches the filter; list your domains instead, or let only them submit");
  if (strchr (sig->key_path, '$') != NULL || strchr (sig->domain, '$') != NULL)
    return;
  u = g_hash_table_lookup (r->keys, sig->key_path);
  if (u == NULL)
    {
      u = g_new0 (KeyUse, 1);
      u->origin = g_strdup (sig->origin);
      u->domains = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (r->keys, g_strdup (sig->key_path), u);
    }
  if (!g_ptr_array_find_with_equal_func (u->domains, d, g_str_equal, NULL))
    g_ptr_array_add (u->domains, g_steal_pointer (&d));
  name = g_strdup_printf ("%s\n%s\n%s", sig->selector, sig->domain, sig->key_path);
  if (!g_hash_table_contains (r->dns, name))
    g_hash_table_insert (r->dns, g_steal_pointer (&name), g_strdup (sig->origin));
}

/* related - A and B are one domain, or one is below the other */
static gboolean
related (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);

  if (la < lb)
    return related (b, a);
  return strcmp (a, b) == 0 || (la > lb && a[la - lb - 1] == '.' && strcmp (a + la - lb, b) == 0);
}

/* check_sharing - a key signing for domains unrelated to each other */
static void
check_sharing (Risks *r, const char *path, const KeyUse *u)
{
  g_autoptr (GString) list = g_string_new (NULL);
  guint unrelated = 0;

  for (guint i = 0; i < u->domains->len; i++)
    {
      gboolean alone = TRUE;

      for (guint j = 0; j < i && alone; j++)
        alone = !related (g_ptr_array_index (u->domains, i), g_ptr_array_index (u->domains, j));
      unrelated += alone;
      g_string_append_printf (list, "%s%s", i ? ", " : "", (char *) g_ptr_array_index (u->domains, i));
    }
  if (unrelated > 1)
    warn (r, u->origin, "key %s signs for unrelated domains (%s): whoever steals it can sign "
          "for all of them; give each domain its own key", path, list->str);
}

/* check_key - size and mode of one key file */
static void
check_key (Risks *r, DkimmodContext *ctx, const char *path, const KeyUse *u)
{
  DkimmodError err = { 0 };
  g_autoptr (DkimmodKey) key = dkimmod_key_load_file (ctx, path, DKIMMOD_KEY_ALLOW_GROUP_READABLE,
                                                      &err);
  struct stat st;

  if (key != NULL && dkimmod_key_algorithm (key) == DKIMMOD_ALG_RSA_SHA256
      && dkimmod_key_bits (key) < RISK_RSA_BITS)
    warn (r, u->origin, "key %s is a %u-bit RSA key: the RFC 8301 minimum, and some verifiers "
          "want more; make a %u-bit one (dkimmod rotate -b %u)", path, dkimmod_key_bits (key),
          RISK_RSA_BITS, RISK_RSA_BITS);
  if (stat (path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IWGRP)) != 0)
    warn (r, u->origin, "key %s is readable by its group (mode %04o): every member can sign as "
          "you; chmod 600 unless spawn.allow_group_readable_keys needs it", path,
          (unsigned) (st.st_mode & 07777));
}

/* check_dns - the testkey check for each selector */
static void
check_dns (Risks *r, const char *nameserver)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, r->dns);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      g_auto (GStrv) f = g_strsplit (k, "\n", 3);
      const char *argv[] = { "testkey", "-d", f[1], "-s", f[0], "-k", f[2],
                             nameserver ? "--nameserver" : NULL, nameserver, NULL };

      int status;

      fflush (stdout);
      status = dkimmod_cmd_testkey (nameserver ? 9 : 7, (char **) argv);
      if (status == EX_TEMPFAIL)
        warn (r, v, "%s._domainkey.%s could not be checked: temporary DNS error", f[0], f[1]);
      else if (status != EX_OK)
        warn (r, v, "%s._domainkey.%s does not publish the key %s (see above)", f[0], f[1], f[2]);
    }
}

guint
dkimmod_check_risks (const DkimmodConfig *cfg, DkimmodContext *ctx, gboolean dns,
                     const char *nameserver)
{
  Risks r = { .cfg = cfg };
  GHashTableIter it;
  gpointer k, v;

  r.keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, key_use_free);
  r.dns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r.catch_all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dkimmod_config_foreach_signature (cfg, collect, &r);
  g_hash_table_iter_init (&it, r.keys);
  while (g_hash_table_iter_next (&it, &k, &v))
    {
      check_sharing (&r, k, v);
      check_key (&r, ctx, k, v);
    }
  if (dns)
    check_dns (&r, nameserver);
  g_hash_table_unref (r.keys);
  g_hash_table_unref (r.dns);
  g_hash_table_unref (r.catch_all);
  return r.warnings;
}
