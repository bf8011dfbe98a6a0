/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-config.c - fuzz the configuration loader
 * DESCRIPTION
 *	Input: a dkimmod.conf text, optionally followed by NUL and "-o"
 *	overrides, one per line. The text is written to a file in a private
 *	temporary directory and loaded as dkimmod-spawn loads it (keys are
 *	not opened). A loaded configuration must answer lookups for a few
 *	senders (macros, +extensions, parent domains, odd addresses) and
 *	take the overrides or refuse them with an error.
 *	The configuration is trusted (root writes it), but OpenDKIM crashed
 *	on SigningTable syntax: a typo must give an error, never a crash.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config-load.h"
#include "fuzz.h"

/* libconfig 1.5 (Debian 12) leaks the string buffer or token its scanner
 * holds when a parse error stops it (hyperrealm/libconfig#142, fixed in
 * 1.7.3). The helper and the CLI exit on a configuration error, so it
 * costs nothing there; here it would hide our own leaks. Only the
 * scanner's allocations are suppressed: a config we forget to destroy
 * leaks nodes from the parser and is still reported. Read by
 * LeakSanitizer, unused otherwise. */
const char *__lsan_default_suppressions (void);

const char *
__lsan_default_suppressions (void)
{
  return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static const char *const senders[] = {
  "a@example.com", "User+ext@Sub.Example.COM", "example.org", "", "@", "a@", "@b",
  "x@[192.0.2.1]", "\"q u\"@example.net", "a@b@c", ".", "a@..",
  /* IDN senders: U-labels, a lone zero-width joiner, not UTF-8 */
  "j\xc3\xb6rg@b\xc3\xbc" "cher.example", "a@a\xe2\x80\x8d" "b.example", "a@\xff.example",
  NULL,
};

static char *conf_file;
static char *conf_dir;

/* remove_tmp - atexit: leave nothing in /tmp */
static void
remove_tmp (void)
{
  (void) g_unlink (conf_file);
  (void) g_rmdir (conf_dir);
}

/* conf_path - a file in a temporary directory made once per process */
static const char *
conf_path (void)
{
  if (conf_file == NULL)
    {
      g_autoptr (GError) error = NULL;

      conf_dir = g_dir_make_tmp ("fuzz-config-XXXXXX", &error);
      fuzz_check (conf_dir != NULL);
      conf_file = g_build_filename (conf_dir, "dkimmod.conf", NULL);
      atexit (remove_tmp);
    }
  return conf_file;
}

/* exercise - lookups and overrides on a loaded CFG */
static void
exercise (DkimmodConfig *cfg, const char *overrides)
{
  for (guint i = 0; senders[i] != NULL; i++)
    {
      g_autofree char *dropped = NULL;
      const char *matched = NULL;
      g_autoptr (GPtrArray) sigs = dkimmod_config_lookup_full (cfg, senders[i], &matched,
                                                               &dropped);

      if (sigs != NULL)
        for (guint j = 0; j < sigs->len; j++)
          {
            DkimmodConfigSignature *sig = sigs->pdata[j];
            DkimmodSignSpec spec;

            fuzz_check (sig->domain != NULL && sig->selector != NULL);
            dkimmod_config_signature_to_spec (sig, NULL, &spec);
          }
    }
  (void) dkimmod_config_entry_count (cfg);
  (void) dkimmod_config_verifying (cfg);
  (void) dkimmod_config_authserv_id (cfg);
  fuzz_check (dkimmod_config_spawn (cfg) != NULL);
  if (overrides != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (overrides, "\n", 16);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          g_autoptr (GError) error = NULL;

          if (!dkimmod_config_set_override (cfg, lines[i], &error))
            fuzz_check (error != NULL);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *nul = memchr (data, '\0', size);
  gsize text_len = nul ? (gsize) (nul - (const char *) data) : size;
  g_autofree char *overrides = nul ? g_strndup (nul + 1, size - text_len - 1) : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DkimmodConfig) cfg = NULL;
  const char *path = conf_path ();

  fuzz_check (g_file_set_contents (path, (const char *) data, text_len, NULL));
  cfg = dkimmod_config_load (path, 0, NULL, &error);
  if (cfg == NULL)
    {
      fuzz_check (error != NULL && error->message != NULL);
      return 0;
    }
  exercise (cfg, overrides);
  return 0;
}
