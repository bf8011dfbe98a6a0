/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-macro.c - $sender, $senderdomain and $$ in d=, i= and key
 * SYNOPSIS
 *	dkimmod_config_macro_scan, dkimmod_config_macro_expand
 * DESCRIPTION
 *	DKIMproxy 1.4 expands "$name" in the domain and identity of a
 *	signature. We keep its spelling: a macro name is the longest run of
 *	letters, digits and '_' after '$' ("$senderdomain.key" is
 *	$senderdomain followed by ".key"), and "$$" is a literal '$'. Unlike
 *	DKIMproxy, which dies at signing time, an unknown macro is found by
 *	the scan at load time.
 * SECURITY
 *	Expansion only substitutes; the caller checks the result (a domain,
 *	an identity, a key path built from a checked domain), because the
 *	values come from the message being signed.
 * NEVER
 *	Expand anything but the three macros.
 */
#include "config-private.h"

#include <string.h>

/* macro_name_len - length of the \w+ run at P */
static gsize
macro_name_len (const char *p)
{
  gsize n = 0;

  while (g_ascii_isalnum (p[n]) || p[n] == '_')
    n++;
  return n;
}

/* macro_kind - which macro NAME (of LEN bytes) is, or NONE */
static DkimmodMacroUse
macro_kind (const char *name, gsize len)
{
  if (len == 6 && strncmp (name, "sender", 6) == 0)
    return DKIMMOD_MACRO_SENDER;
  if (len == 12 && strncmp (name, "senderdomain", 12) == 0)
    return DKIMMOD_MACRO_SENDERDOMAIN;
  return DKIMMOD_MACRO_NONE;
}

/**
 * dkimmod_config_macro_scan:
 * @template_: a d=, i= or key value as configured
 * @uses: (out): the macros it holds (0 when none)
 * @bad: (out) (transfer full): on failure, the unknown "$name"
 *
 * Returns: FALSE if @template_ holds an unknown macro.
 */
gboolean
dkimmod_config_macro_scan (const char *template_, DkimmodMacroUse *uses, char **bad)
{
  *uses = DKIMMOD_MACRO_NONE;
  for (const char *p = strchr (template_, '$'); p; p = strchr (p, '$'))
    {
      gsize len;
      DkimmodMacroUse kind;

      if (p[1] == '$')
        {
          *uses |= DKIMMOD_MACRO_DOLLAR;
          p += 2;
          continue;
        }
      len = macro_name_len (p + 1);
      kind = macro_kind (p + 1, len);
      if (kind == DKIMMOD_MACRO_NONE)
        {
          *bad = g_strndup (p, len + 1);
          return FALSE;
        }
      *uses |= kind;
      p += len + 1;
    }
  return TRUE;
}

/**
 * dkimmod_config_macro_expand:
 * @template_: a value that passed dkimmod_config_macro_scan()
 * @sender: the sender address, lower case
 * @senderdomain: its domain
 *
 * Returns: (transfer full): @template_ with the macros replaced.
 */
char *
dkimmod_config_macro_expand (const char *template_, const char *sender, const char *senderdomain)
{
  GString *out = g_string_sized_new (strlen (template_) + 32);

  for (const char *p = template_; *p;)
    {
      gsize len;

      if (*p != '$')
        {
          g_string_append_c (out, *p++);
          continue;
        }
      if (p[1] == '$')
        {
          g_string_append_c (out, '$');
          p += 2;
          continue;
        }
      len = macro_name_len (p + 1);
      switch (macro_kind (p + 1, len))
        {
        case DKIMMOD_MACRO_SENDER:
          g_string_append (out, sender);
          break;
        case DKIMMOD_MACRO_SENDERDOMAIN:
          g_string_append (out, senderdomain);
          break;
        default:  /* not reached after a successful scan; drop the text */
          break;
        }
      p += len + 1;
    }
  return g_string_free (out, FALSE);
}
