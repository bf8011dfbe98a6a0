/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	xforward.c - Postfix's XFORWARD attributes: parse, check, pass on
 * SYNOPSIS
 *	dkimmod_xforward_parse, dkimmod_xforward_merge,
 *	dkimmod_xforward_clear, dkimmod_xforward_sent, dkimmod_xforward_announced,
 *	dkimmod_xforward_command, dkimmod_xforward_known,
 *	dkimmod_xforward_client_ip
 * DESCRIPTION
 *	The filter announces XFORWARD to its client as Postfix's smtpd does,
 *	so both Postfix clients send it: smtpd to a before-queue proxy that
 *	announces it, the content_filter smtp client with
 *	smtp_send_xforward_command = yes. The attributes are what the
 *	verifier needs of the SMTP session (ADDR and HELO for SPF; the
 *	peer of our own socket is Postfix, never the client) and what the
 *	next hop logs (NAME, ADDR, PORT, PROTO, HELO, IDENT, SOURCE).
 *
 *	Values are xtext (RFC 3461 section 4) and are kept decoded. One
 *	command is checked whole before anything is kept, with the replies
 *	Postfix's smtpd gives (501 5.5.4). NAME must be a host name and ADDR
 *	an IP address (IPv6 with or without the "IPv6:" prefix) or one of
 *	the two "not known" values [UNAVAILABLE] and [TEMPUNAVAIL]. PORT is
 *	a number up to 65535, SOURCE is LOCAL or REMOTE. HELO, PROTO and
 *	IDENT are free text (a HELO is whatever the client said): there, as
 *	in Postfix's smtpd, characters that could break a header or a log
 *	line become '?' instead of refusing the command, which would defer
 *	the client's mail for a word in its greeting.
 *
 *	To the next hop the command goes again, xtext-encoded from the
 *	checked values and reduced to the attributes the next hop announced;
 *	nothing goes when it announced none of them.
 * STANDARDS
 *	Postfix XFORWARD_README; RFC 3461 section 4 (xtext); RFC 5321
 *	section 4.1.3 (address literals, "IPv6:").
 * SECURITY
 *	An encoded value over 255 bytes is refused (Postfix's limit), so
 *	what we keep and pass on is bounded; decoded values never carry
 *	control characters, spaces or '=' into a log line or a command.
 */
#include "xforward.h"

#include <arpa/inet.h>
#include <string.h>

#include "log.h"

/* Postfix's limit on one encoded attribute value. */
#define XFORWARD_VALUE_MAX 255u
/* PROTO is "a protocol name of up to 64 characters" (XFORWARD_README). */
#define XFORWARD_PROTO_MAX 64u

static const char *const attr_names[DKIMMOD_XF_COUNT] = {
  "NAME", "ADDR", "PORT", "PROTO", "HELO", "IDENT", "SOURCE",
};

void
dkimmod_xforward_clear (DkimmodXforward *xf)
{
  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    g_clear_pointer (&xf->value[a], g_free);
}

/* attr_of - the attribute named by the LEN bytes at NAME, or -1 */
static int
attr_of (const char *name, gsize len)
{
  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    if (len == strlen (attr_names[a]) && g_ascii_strncasecmp (name, attr_names[a], len) == 0)
      return (int) a;
  return -1;
}

/* xtext_decode - RFC 3461 xtext to bytes; NULL when malformed ("+" not
 * followed by two hex digits, a byte outside "!".."~", "=") or when it
 * decodes to a NUL, which would hide the rest of the value */
static char *
xtext_decode (const char *s)
{
  g_autoptr (GString) out = g_string_new (NULL);

  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p == '+')
        {
          int c;

          if (!g_ascii_isxdigit (p[1]) || !g_ascii_isxdigit (p[2]))
            return NULL;
          c = g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2]);
          if (c == 0)
            return NULL;
          g_string_append_c (out, (char) c);
          p += 2;
        }
      else if (*p < '!' || *p > '~' || *p == '=')
        return NULL;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* neuter - bytes that could break a log line, a header or a command
 * become '?' (Postfix's smtpd: printable() and neuter()) */
static void
neuter (char *s)
{
  for (unsigned char *p = (unsigned char *) s; *p != '\0'; p++)
    if (*p < '!' || *p > '~' || strchr ("<>()\\\";@=+", *p) != NULL)
      *p = '?';
}

/* unknown_value - [UNAVAILABLE] or [TEMPUNAVAIL] */
static gboolean
unknown_value (const char *v)
{
  return g_str_equal (v, "[UNAVAILABLE]") || g_str_equal (v, "[TEMPUNAVAIL]");
}

/* hostname_ok - letters, digits, '-', '_' in dot-separated labels of
 * 1 to 63 bytes, at most 255 in all (Postfix's valid_hostname) */
static gboolean
hostname_ok (const char *v)
{
  gsize label = 0;

  if (*v == '\0' || strlen (v) > 255 || *v == '.')
    return FALSE;
  for (const char *p = v; *p != '\0'; p++)
    {
      if (*p == '.')
        {
          if (label == 0)
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (*p) || *p == '-' || *p == '_')
        {
          if (++label > 63)
            return FALSE;
        }
      else
        return FALSE;
    }
  return TRUE;
}

/* address_of - V as an IP address in inet_ntop form, or NULL */
static char *
address_of (const char *v)
{
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];

  if (g_ascii_strncasecmp (v, "IPv6:", 5) == 0)
    {
      if (inet_pton (AF_INET6, v + 5, buf) == 1)
        return g_strdup (inet_ntop (AF_INET6, buf, text, sizeof text));
      return NULL;
    }
  if (inet_pton (AF_INET, v, buf) == 1)
    return g_strdup (inet_ntop (AF_INET, buf, text, sizeof text));
  if (inet_pton (AF_INET6, v, buf) == 1)
    return g_strdup (inet_ntop (AF_INET6, buf, text, sizeof text));
  return NULL;
}

/* check_value - VALUE (decoded) for attribute A: TRUE with *OUT the value
 * to keep, FALSE when Postfix's smtpd refuses it */
static gboolean
check_value (DkimmodXforwardAttr a, char *value, char **out)
{
  guint64 port;

  if (unknown_value (value))
    {
      *out = g_strdup (value);
      return TRUE;
    }
  switch (a)
    {
    case DKIMMOD_XF_NAME:
      if (!hostname_ok (value))
        return FALSE;
      *out = g_strdup (value);
      return TRUE;
    case DKIMMOD_XF_ADDR:
      {
        g_autofree char *ip = address_of (value);

        if (ip == NULL)
          return FALSE;
        /* Passed on as Postfix writes it: IPv6 with its prefix. */
        *out = strchr (ip, ':') != NULL ? g_strconcat ("IPv6:", ip, NULL) : g_steal_pointer (&ip);
        return TRUE;
      }
    case DKIMMOD_XF_PORT:
      if (strlen (value) > 5 || !g_ascii_string_to_unsigned (value, 10, 0, 65535, &port, NULL))
        return FALSE;
      *out = g_strdup (value);
      return TRUE;
    case DKIMMOD_XF_SOURCE:
      if (g_ascii_strcasecmp (value, "LOCAL") != 0 && g_ascii_strcasecmp (value, "REMOTE") != 0)
        return FALSE;
      *out = g_ascii_strup (value, -1);
      return TRUE;
    case DKIMMOD_XF_PROTO:
      if (strlen (value) > XFORWARD_PROTO_MAX)
        return FALSE;
      /* fall through */
    case DKIMMOD_XF_HELO:
    case DKIMMOD_XF_IDENT:
    default:
      neuter (value);
      *out = g_strdup (value);
      return TRUE;
    }
}

/* refuse - *REPLY is the 501 text: PREFIX and the sanitised WHAT; CMD
 * is cleared */
static gboolean
refuse (DkimmodXforward *cmd, char **reply, const char *prefix, const char *what, gsize len)
{
  g_autofree char *clean = dkimmod_log_sanitize (what, len, 64);

  dkimmod_xforward_clear (cmd);
  *reply = g_strconcat (prefix, clean, NULL);
  return FALSE;
}

gboolean
dkimmod_xforward_parse (const char *line, DkimmodXforward *cmd, char **reply)
{
  const char *p = line + strlen ("XFORWARD");
  gboolean any = FALSE;

  dkimmod_xforward_clear (cmd);
  *reply = NULL;
  while (*p != '\0')
    {
      const char *word, *eq;
      gsize len;
      int a;
      g_autofree char *raw = NULL;
      g_autofree char *decoded = NULL;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;
      word = p;
      len = strcspn (word, " ");
      p += len;
      eq = memchr (word, '=', len);
      if (eq == NULL || eq + 1 == word + len)
        {
          dkimmod_xforward_clear (cmd);
          *reply = g_strdup ("501 5.5.4 Error: attribute=value expected");
          return FALSE;
        }
      if ((gsize) (word + len - eq - 1) > XFORWARD_VALUE_MAX)
        {
          dkimmod_xforward_clear (cmd);
          *reply = g_strdup ("501 5.5.4 Error: attribute value too long");
          return FALSE;
        }
      if ((a = attr_of (word, (gsize) (eq - word))) < 0)
        {
          return refuse (cmd, reply, "501 5.5.4 Bad XFORWARD attribute name: ", word,
                         (gsize) (eq - word));
        }
      raw = g_strndup (eq + 1, (gsize) (word + len - eq - 1));
      if ((decoded = xtext_decode (raw)) == NULL || *decoded == '\0')
        {
          return refuse (cmd, reply, "501 5.5.4 Bad XFORWARD attribute value: ", raw,
                         strlen (raw));
        }
      g_clear_pointer (&cmd->value[a], g_free);
      if (!check_value ((DkimmodXforwardAttr) a, decoded, &cmd->value[a]))
        {
          g_autofree char *prefix = g_strdup_printf ("501 5.5.4 Bad XFORWARD %s syntax: ",
                                                     attr_names[a]);

          return refuse (cmd, reply, prefix, decoded, strlen (decoded));
        }
      any = TRUE;
    }
  if (!any)
    {
      *reply = g_strdup ("501 5.5.4 Syntax: XFORWARD attribute=value...");
      return FALSE;
    }
  return TRUE;
}

void
dkimmod_xforward_merge (DkimmodXforward *into, DkimmodXforward *from)
{
  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    if (from->value[a] != NULL)
      {
        g_free (into->value[a]);
        into->value[a] = g_steal_pointer (&from->value[a]);
      }
}

guint
dkimmod_xforward_announced (const char *text)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  guint mask = 0;

  for (guint i = 1; words[i] != NULL; i++)
    {
      int a = attr_of (words[i], strlen (words[i]));

      if (a >= 0)
        mask |= DKIMMOD_XF_BIT (a);
    }
  return mask;
}

/* xtext_encode - VALUE as xtext: '+', '=' and bytes outside "!".."~" as +XX */
static void
xtext_encode (GString *out, const char *value)
{
  for (const unsigned char *p = (const unsigned char *) value; *p != '\0'; p++)
    if (*p < '!' || *p > '~' || *p == '+' || *p == '=')
      g_string_append_printf (out, "+%02X", *p);
    else
      g_string_append_c (out, (char) *p);
}

char *
dkimmod_xforward_command (const DkimmodXforward *cmd, guint mask)
{
  GString *out = g_string_new ("XFORWARD");
  gboolean any = FALSE;

  for (guint a = 0; a < DKIMMOD_XF_COUNT; a++)
    if (cmd->value[a] != NULL && (mask & DKIMMOD_XF_BIT (a)))
      {
        g_string_append_printf (out, " %s=", attr_names[a]);
        xtext_encode (out, cmd->value[a]);
        any = TRUE;
      }
  if (!any)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

gboolean
dkimmod_xforward_sent (const DkimmodXforward *xf)
{
  for (int a = 0; a < DKIMMOD_XF_COUNT; a++)
    if (xf->value[a] != NULL)
      return TRUE;
  return FALSE;
}

const char *
dkimmod_xforward_known (const DkimmodXforward *xf, DkimmodXforwardAttr a)
{
  const char *v = xf->value[a];

  return v == NULL || unknown_value (v) ? NULL : v;
}

char *
dkimmod_xforward_client_ip (const DkimmodXforward *xf)
{
  const char *v = dkimmod_xforward_known (xf, DKIMMOD_XF_ADDR);

  return v != NULL ? address_of (v) : NULL;
}
