/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-idna.c - a sender's domain as A-labels, for the sender_map
 * SYNOPSIS
 *	dkimmod_config_sender_to_ascii
 * DESCRIPTION
 *	Mail sent with SMTPUTF8 may carry a UTF-8 domain (U-labels) in
 *	From, Sender and the envelope sender, while sender_map keys, d=
 *	and DNS names are ASCII (A-labels, "xn--..."). The domain is
 *	converted with libidn2 under UTS #46 non-transitional processing
 *	with NFC input (as browsers and IDNA2008 registries do: "faß.de"
 *	stays xn--fa-hia.de, not fass.de), which also rejects what
 *	IDNA2008 disallows (symbols, a lone zero-width joiner, bad
 *	Punycode, leading hyphens). A domain that is already ASCII is only
 *	lower-cased, as before.
 *
 *	libidn2 (and the libunistring it needs) is not linked into the
 *	dynamic build but opened with dlopen(3) at the first non-ASCII
 *	domain: nearly every connection has none, and loading and
 *	relocating the two libraries (570 symbol lookups under BIND_NOW)
 *	cost every dkimmod-spawn process about 0.5M instructions and 20
 *	page faults (docs/benchmarks.md). If it cannot be opened the
 *	domain has no A-label ("libidn2.so.0 cannot be loaded"), as for an
 *	invalid IDN: the message is relayed unsigned with that reason, never
 *	signed for another name. The static build (-Dstatic_helper=true)
 *	links it.
 *
 *	The local part is kept byte for byte (ASCII letters lower-cased as
 *	for every sender): an address-level sender_map key with a UTF-8
 *	local part matches that local part with the A-label domain.
 * STANDARDS
 *	RFC 5890, RFC 5891 (IDNA2008), Unicode TR #46 (non-transitional),
 *	RFC 6531 (SMTPUTF8), RFC 6532 (UTF-8 header fields), RFC 8616
 *	section 4 (DKIM d= holds A-labels).
 * SECURITY
 *	The sender is untrusted: a domain that is not valid UTF-8 or not a
 *	valid IDN gives NULL with a static reason, never a partial
 *	conversion; the result is checked again by the lookup like any
 *	ASCII sender.
 * NEVER
 *	Change the local part, or map a domain that IDNA2008 rejects onto
 *	some other domain (GLib's g_hostname_to_ascii drops a zero-width
 *	joiner: "a\u200db" would become "ab").
 */
#include "config-private.h"

#include <idn2.h>
#include <string.h>

#ifdef DKIMMOD_IDN2_DLOPEN
#include "lazylib-private.h"
#endif

/* libidn2's three functions that we call */
typedef struct {
  int (*to_ascii_8z) (const char *input, char **output, int flags);
  const char *(*strerror) (int rc);
  void (*free) (void *ptr);
} Idn2;

/* idn2 - libidn2's functions, or NULL when it cannot be loaded: opened
 * once per process at the first non-ASCII domain in the dynamic build
 * (module/lazylib.c), linked in the static helper */
static const Idn2 *
idn2 (void)
{
#ifdef DKIMMOD_IDN2_DLOPEN
  static const char *const names[] = { "idn2_to_ascii_8z", "idn2_strerror", "idn2_free", NULL };
  static void (*fns[3]) (void);
  /* The SONAME of libidn2 2.x (Debian's libidn2-0). */
  static DkimmodLazyLib lib = { "libidn2.so.0", names, fns, 0, FALSE };
  static Idn2 typed;
  static gsize once;

  if (!dkimmod_lazylib_open (&lib))
    return NULL;
  if (g_once_init_enter (&once))
    {
      /* the addresses as idn2.h declares them */
      typed.to_ascii_8z = (int (*) (const char *, char **, int)) fns[0];
      typed.strerror = (const char *(*) (int)) fns[1];
      typed.free = (void (*) (void *)) fns[2];
      g_once_init_leave (&once, 1);
    }
  return &typed;
#else
  static const Idn2 linked = { idn2_to_ascii_8z, idn2_strerror, idn2_free };

  return &linked;
#endif
}

/* is_ascii - no byte of S (LEN bytes) has the high bit set */
static gboolean
is_ascii (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if ((guchar) s[i] >= 0x80)
      return FALSE;
  return TRUE;
}

/**
 * dkimmod_config_sender_to_ascii:
 * @sender: a sender address ("local@domain") or a domain, as in the message
 * @why: (out): on failure, why the domain cannot be converted (static)
 *
 * Returns: (transfer full) (nullable): @sender with ASCII letters in lower
 * case and its domain as A-labels, or NULL when the domain is not valid
 * UTF-8 or not a valid internationalized domain name.
 */
char *
dkimmod_config_sender_to_ascii (const char *sender, const char **why)
{
  g_autofree char *low = g_ascii_strdown (sender ? sender : "", -1);
  const char *at = strrchr (low, '@');
  const char *dom = at ? at + 1 : low;
  char *alabel = NULL;
  char *out;
  int rc;

  if (is_ascii (dom, strlen (dom)))
    return g_steal_pointer (&low);
  if (!g_utf8_validate (dom, -1, NULL))
    return (*why = "the sender domain is not valid UTF-8", NULL);
  /* Only now: an ASCII domain never loads libidn2. */
  const Idn2 *lib = idn2 ();
  if (lib == NULL)
    return (*why = "libidn2.so.0 cannot be loaded", NULL);
  rc = lib->to_ascii_8z (dom, &alabel, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK)
    {
      /* idn2_strerror gives static English text, e.g. "string contains a
       * disallowed character" */
      *why = lib->strerror (rc);
      return NULL;
    }
  out = g_strdup_printf ("%.*s%s", at ? (int) (at - low + 1) : 0, low, alabel);
  lib->free (alabel);
  return out;
}
