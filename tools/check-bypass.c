/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	check-bypass.c - "dkimmod check-config": Postfix mail that skips the signer
 * SYNOPSIS
 *	dkimmod_check_bypass
 * DESCRIPTION
 *	Asks postconf (the Postfix of MAIL_CONFIG, else the default one) for
 *	master.cf's services (postconf -M) and their -o overrides (postconf
 *	-P). When some content_filter points at a spawn service that runs
 *	dkimmod-spawn in sign mode, it warns, one line each on stderr as
 *	"master.cf: SERVICE: warning: ...", about the mail Postfix hands to
 *	no such filter (docs/postfix-howto.md, section 8):
 *	- pickup without that content_filter (and none in main.cf): mail
 *	  from sendmail(1) is not signed;
 *	- bounce, defer and trace without internal_mail_filter_classes
 *	  naming bounce and a cleanup_service_name of their own: bounces and
 *	  delivery status notifications are not signed.
 *	Whether that cleanup's header_checks really FILTER to the signer is
 *	not checked: the warning is for the common case of no route at all.
 *	Without postconf, or without a signing content_filter, it says
 *	nothing.
 * NEVER
 *	Change Postfix's configuration, or fail check-config: these are
 *	warnings about a configuration that works as written.
 */
#include <stdio.h>
#include <string.h>

#include "check-bypass.h"
#include "cli.h"
#include "postconf-util.h"

/* postconf_lines - the output lines of "postconf [-h] ARG", or NULL
 * (postconf-util.c runs it; no postconf means no warnings) */
static char **
postconf_lines (const char *postfix_dir, const char *opt, const char *arg)
{
  const char *args[] = { opt, arg, NULL };
  g_autofree char *out = dkimmod_postconf_run (postfix_dir, args, NULL);

  return out != NULL ? g_strsplit (out, "\n", -1) : NULL;
}

/* main_value - main.cf's value of NAME ("postconf -h"), "" when unset */
static char *
main_value (const char *postfix_dir, const char *name)
{
  g_auto (GStrv) lines = postconf_lines (postfix_dir, "-h", name);

  return g_strdup (lines != NULL && lines[0] != NULL ? lines[0] : "");
}

/* param - the -o value of SERVICE/TYPE's PARAM in postconf -P output, or NULL */
static const char *
param (char **p_lines, const char *service, const char *param_name)
{
  g_autofree char *prefix = g_strdup_printf ("%s/%s = ", service, param_name);

  for (guint i = 0; p_lines[i] != NULL; i++)
    if (g_str_has_prefix (p_lines[i], prefix))
      return p_lines[i] + strlen (prefix);
  return NULL;
}

/* signing_filter - the content_filter value that reaches a dkimmod-spawn
 * sign service ("dksign:[127.0.0.1]:10027"), or NULL */
static char *
signing_filter (GPtrArray *entries, char **p_lines, const char *main_filter)
{
  for (guint i = 0; i < entries->len; i++)
    {
      const DkimmodMasterEntry *e = g_ptr_array_index (entries, i);
      const char *conf, *colon = strrchr (e->fields[DKIMMOD_MASTER_NAME], ':');

      /* the mode is dkimmod-spawn's last argument; sign is the default */
      if (!dkimmod_master_entry_runs_spawn (e, &conf) || colon == NULL
          || g_str_equal (e->fields[e->nfields - 1], "verify"))
        continue;
      /* a content_filter "TRANSPORT:[HOST]:PORT" ending in this service's port */
      for (guint k = 0; p_lines[k] != NULL; k++)
        {
          const char *v = strstr (p_lines[k], "/content_filter = ");

          if (v != NULL && g_str_has_suffix (v, colon))
            return g_strdup (v + strlen ("/content_filter = "));
        }
      if (g_str_has_suffix (main_filter, colon))
        return g_strdup (main_filter);
    }
  return NULL;
}

/* warn - one warning line; returns 1 */
static guint
warn (const char *service, const char *text, const char *filter)
{
  fprintf (stderr, "master.cf: %s: warning: %s (docs/postfix-howto.md, section 8; signing "
           "filter %s)\n", service, text, filter);
  return 1;
}

/**
 * dkimmod_check_bypass:
 *
 * Returns: the number of warnings printed.
 */
guint
dkimmod_check_bypass (const char *postfix_dir)
{
  g_autoptr (GPtrArray) entries = dkimmod_postconf_master (postfix_dir, NULL);
  g_auto (GStrv) p_lines = postconf_lines (postfix_dir, "-P", NULL);
  g_autofree char *main_filter = main_value (postfix_dir, "content_filter");
  g_autofree char *main_classes = main_value (postfix_dir, "internal_mail_filter_classes");
  g_autofree char *filter = NULL;
  const char *v;
  guint n = 0;

  if (entries == NULL || p_lines == NULL)
    return 0;
  filter = signing_filter (entries, p_lines, main_filter);
  if (filter == NULL)
    return 0;
  v = param (p_lines, "pickup/unix", "content_filter");
  if (!g_str_equal (v != NULL ? v : main_filter, filter))
    n += warn ("pickup", "mail from sendmail(1) (cron, scripts) is not signed: pickup has no "
               "-o content_filter for the signing filter", filter);
  for (guint i = 0; i < 3; i++)
    {
      static const char *const services[] = { "bounce", "defer", "trace" };
      g_autofree char *svc = g_strdup_printf ("%s/unix", services[i]);
      const char *classes = param (p_lines, svc, "internal_mail_filter_classes");

      if (strstr (classes ? classes : main_classes, "bounce") == NULL
          || param (p_lines, svc, "cleanup_service_name") == NULL)
        n += warn (services[i], "bounces and delivery status notifications from this service "
                   "are not signed: it needs -o internal_mail_filter_classes=bounce and "
                   "-o cleanup_service_name= a cleanup whose header_checks FILTER them to the "
                   "signing filter", filter);
    }
  return n;
}
