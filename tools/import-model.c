/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	import-model.c - the converted configuration and its libconfig text
 * SYNOPSIS
 *	dkimmod_import_conf_new, dkimmod_import_conf_free,
 *	dkimmod_import_sig_new, dkimmod_import_sig_free,
 *	dkimmod_import_add_entry, dkimmod_import_find, dkimmod_import_warn,
 *	dkimmod_import_write, dkimmod_import_read_lines
 * DESCRIPTION
 *	Both importers fill the same model: signing defaults and a list of
 *	sender_map entries. The writer prints them in the layout of
 *	dkimmod.conf.sample (one entry group per sender, one signature group
 *	per signature), each entry preceded by a comment naming the line it
 *	came from, so a postmaster can check the conversion line by line.
 *	Strings are written with libconfig's escapes for '"' and '\'.
 * DIAGNOSTICS
 *	Warnings on stderr: "dkimmod: import: FILE:LINE: ...".
 * NEVER
 *	Write a setting the reader did not find or decide (defaults stay the
 *	loader's, documented in dkimmod.conf(5)).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "import.h"

ImportSig *
dkimmod_import_sig_new (void)
{
  return g_new0 (ImportSig, 1);
}

void
dkimmod_import_sig_free (ImportSig *sig)
{
  if (sig == NULL)
    return;
  g_free (sig->s);
  g_free (sig->d);
  g_free (sig->i);
  g_free (sig->c);
  g_free (sig->a);
  g_free (sig->h);
  g_free (sig->key);
  g_free (sig);
}

/* entry_free - one sender_map entry */
static void
entry_free (gpointer data)
{
  ImportEntry *e = data;

  g_free (e->sender);
  g_ptr_array_unref (e->sigs);
  g_free (e->origin);
  g_free (e);
}

ImportConf *
dkimmod_import_conf_new (const char *program)
{
  ImportConf *conf = g_new0 (ImportConf, 1);

  conf->program = program;
  conf->sender_source = "from";
  conf->entries = g_ptr_array_new_with_free_func (entry_free);
  conf->index = g_hash_table_new (g_str_hash, g_str_equal);
  conf->notes = g_ptr_array_new_with_free_func (g_free);
  return conf;
}

void
dkimmod_import_conf_free (ImportConf *conf)
{
  if (conf == NULL)
    return;
  g_free (conf->sources);
  g_free (conf->defaults.s);
  g_free (conf->defaults.c);
  g_free (conf->defaults.a);
  g_free (conf->defaults.h);
  g_free (conf->defaults.key);
  g_hash_table_unref (conf->index);
  g_ptr_array_unref (conf->entries);
  g_ptr_array_unref (conf->notes);
  g_free (conf);
}

ImportEntry *
dkimmod_import_find (ImportConf *conf, const char *sender)
{
  g_autofree char *lower = g_ascii_strdown (sender, -1);

  return g_hash_table_lookup (conf->index, lower);
}

ImportEntry *
dkimmod_import_add_entry (ImportConf *conf, const char *sender, GPtrArray *sigs,
                          const char *origin)
{
  ImportEntry *e;

  if (dkimmod_import_find (conf, sender) != NULL)
    return NULL;
  e = g_new0 (ImportEntry, 1);
  e->sender = g_ascii_strdown (sender, -1);
  e->sigs = g_ptr_array_ref (sigs);
  e->origin = g_strdup (origin);
  g_ptr_array_add (conf->entries, e);
  g_hash_table_insert (conf->index, e->sender, e);
  return e;
}

void
dkimmod_import_warn (ImportConf *conf, const char *file, guint line, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  conf->warnings++;
  if (line > 0)
    dkimmod_cli_warn ("import: %s:%u: %s", file, line, msg);
  else
    dkimmod_cli_warn ("import: %s: %s", file, msg);
}

/* append_string - NAME = "VALUE"; with libconfig escapes */
static void
append_string (GString *out, const char *name, const char *value)
{
  g_string_append_printf (out, "%s = \"", name);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append (out, "\";");
}

/* append_sig - { s = ...; d = ...; ... } in the order of dkimmod.conf(5) */
static void
append_sig (GString *out, const ImportSig *sig)
{
  const char *names[] = { "s", "d", "i", "c", "a", "h", "key" };
  const char *values[] = { sig->s, sig->d, sig->i, sig->c, sig->a, sig->h, sig->key };

  g_string_append (out, "{ ");
  for (gsize k = 0; k < G_N_ELEMENTS (names); k++)
    if (values[k] != NULL)
      {
        append_string (out, names[k], values[k]);
        g_string_append_c (out, ' ');
      }
  g_string_append_c (out, '}');
}

/* append_entry - one sender_map group, with its origin as a comment */
static void
append_entry (GString *out, const ImportEntry *e, gboolean last)
{
  g_string_append_printf (out, "    # %s\n    { ", e->origin);
  append_string (out, "sender", e->sender);
  g_string_append (out, "\n      sign = ( ");
  for (guint k = 0; k < e->sigs->len; k++)
    {
      if (k > 0)
        g_string_append (out, ",\n               ");
      append_sig (out, g_ptr_array_index (e->sigs, k));
    }
  g_string_append_printf (out, " ); }%s\n", last ? "" : ",");
}

char *
dkimmod_import_write (const ImportConf *conf)
{
  GString *out = g_string_new (NULL);
  const ImportSig *d = &conf->defaults;

  g_string_append_printf (out, "# dkimmod.conf(5), written by \"dkimmod import\" from the %s files\n"
                          "#   %s\n"
                          "# Check it with: dkimmod check-config FILE\n",
                          conf->program, conf->sources);
  for (guint k = 0; k < conf->notes->len; k++)
    g_string_append_printf (out, "# %s\n", (const char *) g_ptr_array_index (conf->notes, k));
  g_string_append (out, "\nsigning = {\n");
  g_string_append_printf (out, "  sender_source = \"%s\";\n\n  defaults = ", conf->sender_source);
  append_sig (out, &(ImportSig) { .s = d->s, .c = d->c, .a = d->a, .h = d->h, .key = d->key });
  g_string_append (out, ";\n\n  sender_map = (\n");
  for (guint k = 0; k < conf->entries->len; k++)
    append_entry (out, g_ptr_array_index (conf->entries, k), k + 1 == conf->entries->len);
  g_string_append (out, "  );\n};\n");
  return g_string_free (out, FALSE);
}

GStrv
dkimmod_import_read_lines (const char *path, guint *n_cr, GError **error)
{
  g_autofree char *text = NULL;
  GStrv lines;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  *n_cr = 0;
  for (guint k = 0; lines[k] != NULL; k++)
    {
      gsize len = strlen (lines[k]);

      if (len > 0 && lines[k][len - 1] == '\r')
        {
          lines[k][len - 1] = '\0';
          ++*n_cr;
        }
    }
  return lines;
}
