/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	authres-gen.c - many Authentication-Results fields from generated results (for test-authres-syntax.py)
 * SYNOPSIS
 *	authres-gen COUNT SEED
 * DESCRIPTION
 *	Builds COUNT fields with the formatter every method uses
 *	(authres.h): random DKIM signature results and DMARC results, their
 *	strings drawn from an alphabet with the characters that need quoting
 *	or escaping (quotes, backslashes, parentheses, ';', '=', '/', spaces,
 *	CTLs). Prints one JSON object a line: the field and what it must say
 *	("results": method, result, reason, properties), which an independent
 *	parser (python3-authres) checks.
 * NEVER
 *	Build a field by any other code than the library's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "authres.h"
#include "dmarc.h"

static const char alphabet[] = "abcxyzABC0189-._@+/=;:,()\"\\ <>[]?\t\x01\x7f";

/* junk - a string of up to MAX characters of the alphabet (or a token) */
static char *
junk (GRand *r, guint max, gboolean token_only)
{
  guint n = (guint) g_rand_int_range (r, 1, (gint32) max + 1);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_c (s, token_only ? "abcdefxyz0189-."[g_rand_int_range (r, 0, 15)]
                                     : alphabet[g_rand_int_range (r, 0, sizeof alphabet - 1)]);
  return g_string_free (s, FALSE);
}

/* printable_junk - junk () with at least one printable character */
static char *
printable_junk (GRand *r, guint max, gboolean token_only)
{
  for (;;)
    {
      char *s = junk (r, max, token_only);

      for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char) *p > 0x20 && *p != 0x7f)
          return s;
      g_free (s);
    }
}

/* json - S as a JSON string */
static void
json (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      unsigned char c = *s;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* visible - S as the field must carry it: CTLs dropped (transfer full) */
static char *
visible (const char *s)
{
  GString *v = g_string_new (NULL);

  for (; *s != '\0'; s++)
    if ((unsigned char) *s >= 0x20 && *s != 0x7f)
      g_string_append_c (v, *s);
  return g_string_free (v, FALSE);
}

static gboolean
empty_visible (const char *s)
{
  g_autofree char *v = visible (s);

  return *v == '\0';
}

static void
expect_prop (GString *e, const char *name, const char *value, gboolean *first)
{
  g_autofree char *v = visible (value);

  if (*v == '\0')
    return;   /* nothing left: the property is not written */
  g_string_append_printf (e, "%s", *first ? "" : ",");
  json (e, name);
  g_string_append_c (e, ':');
  json (e, v);
  *first = FALSE;
}

int
main (int argc, char **argv)
{
  guint count = argc > 1 ? (guint) atoi (argv[1]) : 100;
  GRand *r = g_rand_new_with_seed (argc > 2 ? (guint32) atoi (argv[2]) : 1);

  for (guint c = 0; c < count; c++)
    {
      g_autoptr (GPtrArray) resinfos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
      g_autoptr (GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GString) e = g_string_new ("[");
      g_autoptr (GString) line = g_string_new ("{\"field\":");
      guint nd = (guint) g_rand_int_range (r, 0, 4);
      const char *all_b[4];
      DkimmodSignatureResult sigs[4];
      DkimmodDmarcResultInfo dm;
      g_autofree char *field = NULL;
      g_autofree char *id = g_strdup_printf ("mx%u.example%u.net", g_rand_int_range (r, 0, 100), c);

      memset (sigs, 0, sizeof sigs);
      for (guint i = 0; i < nd; i++)
        {
          DkimmodSignatureResult *s = &sigs[i];
          gboolean first = TRUE;

          s->result = (DkimmodResult) g_rand_int_range (r, 0, 7);
          g_ptr_array_add (keep, junk (r, 30, FALSE));
          s->reason = keep->pdata[keep->len - 1];
          g_ptr_array_add (keep, printable_junk (r, 25, g_rand_boolean (r)));
          s->domain = keep->pdata[keep->len - 1];
          g_ptr_array_add (keep, g_strconcat ("@", s->domain, NULL));
          s->identity = keep->pdata[keep->len - 1];
          g_ptr_array_add (keep, junk (r, 10, TRUE));
          s->selector = keep->pdata[keep->len - 1];
          s->algorithm = "rsa-sha256";
          g_ptr_array_add (keep, junk (r, 40, FALSE));
          s->b = keep->pdata[keep->len - 1];
          s->key_bits = g_rand_boolean (r) ? 2048 : 0;
          s->testing = g_rand_boolean (r);
          all_b[i] = s->b;
          g_string_append_printf (e, "%s{\"method\":\"dkim\",\"result\":\"%s\",\"reason\":",
                                  i ? "," : "", dkimmod_result_name (s->result));
          if (s->result != DKIMMOD_RESULT_PASS && !empty_visible (s->reason))
            {
              g_autofree char *v = visible (s->reason);
              json (e, v);
            }
          else
            g_string_append (e, "null");
          g_string_append (e, ",\"props\":{");
          expect_prop (e, "header.d", s->domain, &first);
          expect_prop (e, "header.s", s->selector, &first);
          g_string_append (e, "}}");
        }
      for (guint i = 0; i < nd; i++)
        g_ptr_array_add (resinfos, dkimmod_authres_dkim_words (&sigs[i], all_b, nd));
      if (nd == 0)
        {
          g_ptr_array_add (resinfos, dkimmod_authres_words_new ("dkim", "none"));
          g_string_append (e, "{\"method\":\"dkim\",\"result\":\"none\",\"reason\":null,\"props\":{}}");
        }
      if (g_rand_boolean (r))
        {
          gboolean first = TRUE;

          memset (&dm, 0, sizeof dm);
          dm.result = (DkimmodDmarcResult) g_rand_int_range (r, 0, 5);
          g_ptr_array_add (keep, junk (r, 40, FALSE));
          dm.reason = dm.result == DKIMMOD_DMARC_PASS ? "" : keep->pdata[keep->len - 1];
          g_ptr_array_add (keep, g_rand_boolean (r) ? junk (r, 25, TRUE) : g_strdup (""));
          dm.header_from = keep->pdata[keep->len - 1];
          dm.policy = (DkimmodDmarcPolicy) g_rand_int_range (r, 0, 4);
          dm.disposition = (DkimmodDmarcPolicy) g_rand_int_range (r, 0, 4);
          dm.override = (DkimmodDmarcOverride) g_rand_int_range (r, 0, 5);
          g_ptr_array_add (keep, junk (r, 20, FALSE));
          dm.override_domain = keep->pdata[keep->len - 1];
          dm.policy_domain = dm.org_domain = dm.dkim_domain = dm.spf_domain = "";
          g_ptr_array_add (resinfos, dkimmod_dmarc_authres_words (&dm));
          g_string_append_printf (e, ",{\"method\":\"dmarc\",\"result\":\"%s\",\"reason\":",
                                  dkimmod_dmarc_result_name (dm.result));
          if (dm.result != DKIMMOD_DMARC_PASS && !empty_visible (dm.reason))
            {
              g_autofree char *v = visible (dm.reason);
              json (e, v);
            }
          else
            g_string_append (e, "null");
          g_string_append (e, ",\"props\":{");
          if (dm.header_from[0] != '\0')
            expect_prop (e, "header.from", dm.header_from, &first);
          if (dm.disposition != DKIMMOD_DMARC_POLICY_ABSENT)
            expect_prop (e, "policy.dmarc", dkimmod_dmarc_policy_name (dm.disposition), &first);
          g_string_append (e, "}}");
        }
      g_string_append_c (e, ']');
      field = dkimmod_authres_field (id, (GPtrArray *const *) resinfos->pdata, resinfos->len);
      json (line, field);
      g_string_append (line, ",\"authserv_id\":");
      json (line, id);
      g_string_append_printf (line, ",\"results\":%s}", e->str);
      puts (line->str);
    }
  g_rand_free (r);
  return 0;
}
