/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	dnsfile.c - DNS answers from a file: the offline and test source
 * SYNOPSIS
 *	dkimmod_dns_file_load, dkimmod_dns_file_parse, dkimmod_dns_file_answer,
 *	dkimmod_dns_file_free; private: dkimmod_dns_file_lookup
 * DESCRIPTION
 *	One record per line (the format is in dkimmod.h): "NAME TYPE DATA"
 *	for A, AAAA, MX, PTR, TXT and CNAME, "NAME [TYPE] NXDOMAIN|SERVFAIL|
 *	TIMEOUT" for an answer other than records, and "NAME TEXT" (second
 *	word no keyword) for TXT, so an OpenDKIM TestPublicKeys key file is
 *	a DNS file. TXT data is either plain text to the end of the line or
 *	a sequence of quoted strings ("v=DKIM1; k=rsa; " "p=MIIB..."),
 *	optionally inside parentheses, concatenated as a resolver
 *	concatenates a TXT record's strings; inside quotes \", \\ and \DDD
 *	(a decimal byte, RFC 1035 5.1) are escapes. Blank lines and lines
 *	starting with '#' are ignored; a name may have many records. Names
 *	are matched case-insensitively, a trailing dot ignored; \DDD and \X
 *	escape a byte in a name (a blank: \032).
 *	Answering a question: a status line for the type, else one for the
 *	name, else the name's records of the type (none: NODATA); a name
 *	with a CNAME answers as its target does, at most
 *	DKIMMOD_LIMIT_CNAME_DEPTH deep (deeper: SERVFAIL, a loop); a name
 *	not in the file is NXDOMAIN.
 * STANDARDS
 *	RFC 1035 section 5.1 (master file strings), RFC 6376 section 3.6.2.2
 *	and RFC 7208 section 3.3 (TXT strings concatenated).
 * SECURITY
 *	Local, trusted input, still bounded: DKIMMOD_LIMIT_DNS_FILE_BYTES.
 * NEVER
 *	Guess at a malformed line: it is an error naming the line.
 */
#include "dkimmod-build-config.h"

#include <arpa/inet.h>
#include <string.h>

#include "dnsfile.h"
#include "dnsquery.h"
#include "dnswire.h"
#include "error-private.h"

/* A file for tests or an offline site: a few thousand records at most. */
#define DKIMMOD_LIMIT_DNS_FILE_BYTES (16u * 1024u * 1024u)

enum { T_A, T_AAAA, T_MX, T_PTR, T_TXT, N_TYPES };

typedef struct {
  GPtrArray *records;        /* char*, NULL-terminated */
  GArray *lens;              /* gsize per record */
  gboolean has_status;
  DkimmodDnsStatus status;
} TypeSet;

typedef struct {
  TypeSet types[N_TYPES];
  gboolean has_status;       /* NAME NXDOMAIN|SERVFAIL|TIMEOUT */
  DkimmodDnsStatus status;
  char *cname;
} Entry;

struct DkimmodDnsFile {
  GHashTable *names;         /* normalized name -> Entry* */
};

static const struct {
  const char *word;
  DkimmodDnsType type;
} type_words[N_TYPES] = {
  [T_A] = { "A", DKIMMOD_DNS_A },       [T_AAAA] = { "AAAA", DKIMMOD_DNS_AAAA },
  [T_MX] = { "MX", DKIMMOD_DNS_MX },    [T_PTR] = { "PTR", DKIMMOD_DNS_PTR },
  [T_TXT] = { "TXT", DKIMMOD_DNS_TXT },
};

static int
type_slot (DkimmodDnsType type)
{
  for (int i = 0; i < N_TYPES; i++)
    if (type_words[i].type == type)
      return i;
  return -1;
}

static void
entry_free (Entry *e)
{
  for (int i = 0; i < N_TYPES; i++)
    {
      g_clear_pointer (&e->types[i].records, g_ptr_array_unref);
      if (e->types[i].lens != NULL)
        g_array_unref (e->types[i].lens);
    }
  g_free (e->cname);
  g_free (e);
}

/* unescape_name - RFC 1035 5.1 escapes in a name: \DDD (a decimal
 * byte) and \X (X itself), so a name may hold a blank (transfer full) */
static char *
unescape_name (const char *name, gsize len)
{
  GString *s = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (name[i] == '\\' && i + 3 < len && g_ascii_isdigit (name[i + 1])
          && g_ascii_isdigit (name[i + 2]) && g_ascii_isdigit (name[i + 3]))
        {
          int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');

          g_string_append_c (s, (char) MIN (v, 255));
          i += 3;
        }
      else if (name[i] == '\\' && i + 1 < len)
        g_string_append_c (s, name[++i]);
      else
        g_string_append_c (s, name[i]);
    }
  return g_string_free (s, FALSE);
}

static Entry *
entry_for (DkimmodDnsFile *f, const char *name, gsize len)
{
  g_autofree char *raw = unescape_name (name, len);
  g_autofree char *norm = dkimmod_dns_name_normalize (raw, strlen (raw));
  Entry *e = g_hash_table_lookup (f->names, norm);

  if (e == NULL)
    {
      e = g_new0 (Entry, 1);
      g_hash_table_insert (f->names, g_steal_pointer (&norm), e);
    }
  return e;
}

/* add_record - appends LEN bytes of REC (taken) to E's records of SLOT */
static void
add_record (Entry *e, int slot, char *rec, gsize len)
{
  TypeSet *t = &e->types[slot];

  if (t->records == NULL)
    {
      t->records = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (t->records, NULL);
      t->lens = g_array_new (FALSE, FALSE, sizeof (gsize));
    }
  g_ptr_array_insert (t->records, t->records->len - 1, rec);
  g_array_append_val (t->lens, len);
}

/* status_word - NXDOMAIN, SERVFAIL, TIMEOUT (case-insensitive) */
static gboolean
status_word (const char *w, gsize len, DkimmodDnsStatus *status)
{
  static const struct {
    const char *word;
    DkimmodDnsStatus status;
  } words[] = { { "NXDOMAIN", DKIMMOD_DNS_NXDOMAIN },
                { "SERVFAIL", DKIMMOD_DNS_SERVFAIL },
                { "TIMEOUT", DKIMMOD_DNS_TIMEOUT } };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strlen (words[i].word) == len && g_ascii_strncasecmp (w, words[i].word, len) == 0)
      {
        *status = words[i].status;
        return TRUE;
      }
  return FALSE;
}

/* type_word - the slot of A, AAAA, MX, PTR, TXT; N_TYPES for CNAME; -1 */
static int
type_word (const char *w, gsize len)
{
  for (int i = 0; i < N_TYPES; i++)
    if (strlen (type_words[i].word) == len && g_ascii_strncasecmp (w, type_words[i].word, len) == 0)
      return i;
  if (len == 5 && g_ascii_strncasecmp (w, "CNAME", 5) == 0)
    return N_TYPES;
  return -1;
}

/* unquote_strings - concatenates "..." "..." (parentheses allowed) */
static GString *
unquote_strings (const char *p, const char *end, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);

  while (p < end)
    {
      if (g_ascii_isspace (*p) || *p == '(' || *p == ')')
        {
          p++;
          continue;
        }
      if (*p != '"')
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "text outside quotes");
          return NULL;
        }
      for (p++; p < end && *p != '"'; p++)
        {
          if (*p == '\\' && end - p >= 4 && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2])
              && g_ascii_isdigit (p[3]))
            {
              int v = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');

              if (v > 255)
                {
                  g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "\\%.3s is not a byte",
                               p + 1);
                  return NULL;
                }
              g_string_append_c (out, (char) v);
              p += 3;
              continue;
            }
          if (*p == '\\' && p + 1 < end)
            p++;
          g_string_append_c (out, *p);
        }
      if (p >= end)
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "unterminated quoted string");
          return NULL;
        }
      p++;
    }
  return g_steal_pointer (&out);
}

/* add_txt - the TXT record in P..END (quoted strings or plain text) */
static gboolean
add_txt (Entry *e, const char *p, const char *end, GError **error)
{
  GString *s;
  gsize len;

  if (*p == '"' || *p == '(')
    {
      if ((s = unquote_strings (p, end, error)) == NULL)
        return FALSE;
    }
  else
    s = g_string_new_len (p, end - p);
  len = s->len;
  add_record (e, T_TXT, g_string_free (s, FALSE), len);
  return TRUE;
}

/* add_name_data - a PTR or CNAME target, or an MX exchange: one word */
static char *
name_data (const char *p, const char *end, GError **error)
{
  if (p == end || memchr (p, ' ', end - p) != NULL || memchr (p, '\t', end - p) != NULL)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "expected one domain name");
      return NULL;
    }
  if (end - p == 1 && *p == '.')
    return g_strdup (".");
  return dkimmod_dns_name_normalize (p, end - p);
}

/* add_typed - DATA (P..END, trimmed) of TYPE SLOT */
static gboolean
add_typed (Entry *e, int slot, const char *p, const char *end, GError **error)
{
  g_autofree char *data = g_strndup (p, end - p);
  char buf[INET6_ADDRSTRLEN];
  guchar addr[16];
  char *rec;

  switch (slot)
    {
    case T_A:
    case T_AAAA:
      {
        int af = slot == T_A ? AF_INET : AF_INET6;

        if (inet_pton (af, data, addr) != 1 || inet_ntop (af, addr, buf, sizeof buf) == NULL)
          {
            g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "\"%s\" is no %s address",
                         data, slot == T_A ? "IPv4" : "IPv6");
            return FALSE;
          }
        add_record (e, slot, g_strdup (buf), strlen (buf));
        return TRUE;
      }
    case T_MX:
      {
        const char *sp = p;
        guint64 pref;
        g_autofree char *num = NULL, *exchange = NULL;

        while (sp < end && !g_ascii_isspace (*sp))
          sp++;
        num = g_strndup (p, sp - p);
        while (sp < end && g_ascii_isspace (*sp))
          sp++;
        if (!g_ascii_string_to_unsigned (num, 10, 0, 65535, &pref, NULL))
          {
            g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "MX: \"%s\" is no preference",
                         num);
            return FALSE;
          }
        if ((exchange = name_data (sp, end, error)) == NULL)
          return FALSE;
        rec = g_strdup_printf ("%u %s", (unsigned) pref, exchange);
        add_record (e, slot, rec, strlen (rec));
        return TRUE;
      }
    case T_PTR:
      if ((rec = name_data (p, end, error)) == NULL)
        return FALSE;
      add_record (e, slot, rec, strlen (rec));
      return TRUE;
    case T_TXT:
      return add_txt (e, p, end, error);
    default:
      if ((rec = name_data (p, end, error)) == NULL)
        return FALSE;
      if (e->cname != NULL)
        {
          g_free (rec);
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "a second CNAME for one name");
          return FALSE;
        }
      e->cname = rec;
      return TRUE;
    }
}

/* next_word - the word at *P (up to a blank), *P moved past it and blanks */
static gsize
next_word (const char **p, const char *end, const char **word)
{
  const char *s = *p;

  while (s < end && !g_ascii_isspace (*s))
    s++;
  *word = *p;
  gsize len = s - *p;
  while (s < end && g_ascii_isspace (*s))
    s++;
  *p = s;
  return len;
}

/* parse_line - one non-comment line, trimmed */
static gboolean
parse_line (DkimmodDnsFile *f, const char *p, const char *end, GError **error)
{
  const char *name, *w;
  gsize name_len = next_word (&p, end, &name), wlen;
  const char *rest;
  DkimmodDnsStatus status;
  Entry *e;
  int slot;

  if (p == end)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "name without a record");
      return FALSE;
    }
  e = entry_for (f, name, name_len);
  rest = p;
  wlen = next_word (&p, end, &w);
  if (status_word (w, wlen, &status) && p == end)
    {
      e->has_status = TRUE;
      e->status = status;
      return TRUE;
    }
  slot = type_word (w, wlen);
  if (slot < 0)
    return add_txt (e, rest, end, error);  /* key-file line: the text is TXT */
  if (p == end)
    {
      g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "%.*s without data", (int) wlen, w);
      return FALSE;
    }
  if (slot < N_TYPES)
    {
      const char *save = p, *sw;
      gsize swlen = next_word (&p, end, &sw);

      if (status_word (sw, swlen, &status) && p == end)
        {
          e->types[slot].has_status = TRUE;
          e->types[slot].status = status;
          return TRUE;
        }
      p = save;
    }
  return add_typed (e, slot, p, end, error);
}

static DkimmodDnsFile *
dns_file_parse (const char *text, gsize len, const char *origin, GError **error)
{
  g_autoptr (DkimmodDnsFile) f = g_new0 (DkimmodDnsFile, 1);
  const char *p = text, *end = text + len;
  guint line = 0;

  f->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *next = eol != NULL ? eol + 1 : end;
      const char *s = p;
      g_autoptr (GError) local = NULL;

      line++;
      if (eol == NULL)
        eol = end;
      while (s < eol && g_ascii_isspace (*s))
        s++;
      while (eol > s && g_ascii_isspace (eol[-1]))
        eol--;
      if (s < eol && *s != '#' && !parse_line (f, s, eol, &local))
        {
          g_set_error (error, DKIMMOD_ERROR, DKIMMOD_E_SYNTAX, "%s:%u: %s", origin, line,
                       local->message);
          return NULL;
        }
      p = next;
    }
  return g_steal_pointer (&f);
}

DkimmodDnsFile *
dkimmod_dns_file_parse_named (const char *text, size_t len, const char *origin,
                              DkimmodError *err)
{
  GError *error = NULL;
  DkimmodDnsFile *f;

  dkimmod_error_clear (err);
  if (text == NULL && len > 0)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no text");
      dkimmod_error_take (err, error);
      return NULL;
    }
  f = dns_file_parse (text, len, origin, &error);
  if (f == NULL)
    dkimmod_error_take (err, error);
  return f;
}

/**
 * dkimmod_dns_file_parse:
 * @text: (array length=len): the file's contents
 *
 * Returns: (transfer full) (nullable): the DNS file, or NULL with @err set.
 */
DkimmodDnsFile *
dkimmod_dns_file_parse (const char *text, size_t len, DkimmodError *err)
{
  return dkimmod_dns_file_parse_named (text, len, "DNS file", err);
}

/**
 * dkimmod_dns_file_load:
 * @path: the file
 *
 * Returns: (transfer full) (nullable): the DNS file, or NULL with @err set.
 */
DkimmodDnsFile *
dkimmod_dns_file_load (const char *path, DkimmodError *err)
{
  GError *error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;
  DkimmodDnsFile *f = NULL;
  g_autoptr (GError) local = NULL;

  dkimmod_error_clear (err);
  if (path == NULL)
    g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "no path");
  else if (!g_file_get_contents (path, &text, &len, &local))
    g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_IO, "%s", local->message);
  else if (len > DKIMMOD_LIMIT_DNS_FILE_BYTES)
    g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_LIMIT, "%s: larger than %u bytes", path,
                 DKIMMOD_LIMIT_DNS_FILE_BYTES);
  else
    f = dns_file_parse (text, len, path, &error);
  if (f == NULL)
    dkimmod_error_take (err, error);
  return f;
}

DkimmodDnsStatus
dkimmod_dns_file_lookup (const DkimmodDnsFile *f, const char *name, DkimmodDnsType type,
                         const char *const **records_out, const gsize **lens_out, gsize *n_out)
{
  g_autofree char *owner = dkimmod_dns_name_normalize (name, strlen (name));
  int slot = type_slot (type);

  *records_out = NULL;
  *lens_out = NULL;
  *n_out = 0;
  for (guint depth = 0; depth <= DKIMMOD_LIMIT_CNAME_DEPTH; depth++)
    {
      const Entry *e = g_hash_table_lookup (f->names, owner);
      const TypeSet *t;

      if (e == NULL)
        return DKIMMOD_DNS_NXDOMAIN;
      t = slot >= 0 ? &e->types[slot] : NULL;
      if (t != NULL && t->has_status)
        return t->status;
      if (e->has_status)
        return e->status;
      if (e->cname != NULL)
        {
          g_free (owner);
          owner = g_strdup (e->cname);
          continue;
        }
      if (t != NULL && t->records != NULL)
        {
          *records_out = (const char *const *) t->records->pdata;
          *lens_out = (const gsize *) t->lens->data;
          *n_out = t->lens->len;
        }
      return DKIMMOD_DNS_OK;
    }
  return DKIMMOD_DNS_SERVFAIL;  /* a CNAME loop, or a chain too long */
}

/**
 * dkimmod_dns_file_answer:
 *
 * Returns: 0, or -1 with @err set (bad argument).
 */
int
dkimmod_dns_file_answer (const DkimmodDnsFile *f, DkimmodDnsQueries *q, DkimmodError *err)
{
  GError *error = NULL;
  size_t total;

  dkimmod_error_clear (err);
  if (f == NULL || q == NULL)
    {
      g_set_error (&error, DKIMMOD_ERROR, DKIMMOD_E_INVAL, "dns_file_answer: bad argument");
      return dkimmod_error_take (err, error);
    }
  total = dkimmod_dns_queries_count (q);
  for (size_t i = 0; i < total; i++)
    {
      const char *name = dkimmod_dns_queries_name (q, i);
      DkimmodDnsType type = dkimmod_dns_queries_type (q, i);
      const char *const *records;
      const gsize *lens;
      gsize n;
      DkimmodDnsStatus status;

      if (dkimmod_dns_queries_answered (q, i))
        continue;
      status = dkimmod_dns_file_lookup (f, name, type, &records, &lens, &n);
      if (dkimmod_dns_queries_answer (q, name, type, status, records, lens, n, 0, err) != 0)
        return -1;
    }
  return 0;
}

void
dkimmod_dns_file_free (DkimmodDnsFile *f)
{
  if (f == NULL)
    return;
  g_clear_pointer (&f->names, g_hash_table_unref);
  g_free (f);
}
