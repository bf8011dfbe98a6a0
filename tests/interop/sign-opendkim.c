/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sign-opendkim.c - sign messages with libopendkim (interop test)
 * SYNOPSIS
 *	sign-opendkim KEY SELECTOR DOMAIN CANON ALG IN OUT [IN OUT]...
 * DESCRIPTION
 *	Signs each IN (a message in CRLF form) with libopendkim, the library
 *	inside opendkim(8), and writes OUT: the DKIM-Signature field it
 *	made, then IN unchanged. CANON is "header/body" (simple or relaxed),
 *	ALG rsa-sha256 or ed25519-sha256, KEY a PEM private key. The message
 *	is fed as the opendkim milter feeds it: each header field without its
 *	final CRLF to dkim_header(), dkim_eoh(), the body to dkim_body(),
 *	dkim_eom(). opendkim-testmsg cannot be used for this: Debian's signs
 *	with rsa-sha1 only. A test program linking the peer, not part of
 *	dkimmod.
 * DIAGNOSTICS
 *	Exit 0 when every message was signed; 1 when libopendkim refused one
 *	(its reason on stderr, OUT not written; the others are still signed);
 *	2 on a usage or I/O error.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkim.h>

static unsigned char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  unsigned char *buf = NULL;
  size_t cap = 0, n = 0, got;

  if (f == NULL)
    return NULL;
  do
    {
      if (n == cap)
        {
          cap = cap ? cap * 2 : 65536;
          buf = realloc (buf, cap + 1);
          if (buf == NULL)
            exit (2);
        }
      got = fread (buf + n, 1, cap - n, f);
      n += got;
    }
  while (got > 0);
  fclose (f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* feed - header fields, end of header, body, end of message */
static DKIM_STAT
feed (DKIM *dkim, unsigned char *msg, size_t len)
{
  size_t pos = 0, body = len;
  DKIM_STAT status = DKIM_STAT_OK;

  while (pos < len && status == DKIM_STAT_OK)
    {
      size_t end = pos;

      if (len - pos >= 2 && msg[pos] == '\r' && msg[pos + 1] == '\n')
        {
          body = pos + 2;
          break;
        }
      for (;;)
        {
          unsigned char *crlf = memmem (msg + end, len - end, "\r\n", 2);

          if (crlf == NULL)
            {
              end = len;
              break;
            }
          end = (size_t) (crlf - msg) + 2;
          if (end >= len || (msg[end] != ' ' && msg[end] != '\t'))
            break;
        }
      status = dkim_header (dkim, msg + pos,
                            end - pos - (end - pos >= 2 && msg[end - 1] == '\n' ? 2 : 0));
      pos = end;
      body = len;
    }
  if (status == DKIM_STAT_OK)
    status = dkim_eoh (dkim);
  if (status == DKIM_STAT_OK && body < len)
    status = dkim_body (dkim, msg + body, len - body);
  if (status == DKIM_STAT_OK)
    status = dkim_eom (dkim, NULL);
  return status;
}

static dkim_canon_t
canon_of (const char *name, size_t len)
{
  return len == 6 && memcmp (name, "simple", 6) == 0 ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;
}

/* sign_one - IN to OUT; 0 or 1 (refused) */
static int
sign_one (DKIM_LIB *lib, unsigned char *key, char **argv, const char *in, const char *out)
{
  const char *slash = strchr (argv[4], '/');
  dkim_alg_t alg = strcmp (argv[5], "ed25519-sha256") == 0 ? DKIM_SIGN_ED25519SHA256
                                                           : DKIM_SIGN_RSASHA256;
  size_t len, hlen = 0;
  unsigned char *msg = read_file (in, &len), *hdr = NULL;
  DKIM_STAT status;
  DKIM *dkim;
  FILE *f;

  if (msg == NULL || slash == NULL)
    {
      perror (in);
      exit (2);
    }
  dkim = dkim_sign (lib, (const unsigned char *) in, NULL, key, (unsigned char *) argv[2],
                    (unsigned char *) argv[3], canon_of (argv[4], (size_t) (slash - argv[4])),
                    canon_of (slash + 1, strlen (slash + 1)), alg, -1, &status);
  if (dkim != NULL)
    status = feed (dkim, msg, len);
  if (dkim != NULL && status == DKIM_STAT_OK)
    status = dkim_getsighdr_d (dkim, strlen (DKIM_SIGNHEADER ": "), &hdr, &hlen);
  if (dkim == NULL || status != DKIM_STAT_OK)
    {
      fprintf (stderr, "%s: libopendkim: %s%s%s\n", in, dkim_getresultstr (status),
               dkim ? ": " : "", dkim && dkim_geterror (dkim) ? dkim_geterror (dkim) : "");
      if (dkim)
        dkim_free (dkim);
      free (msg);
      return 1;
    }
  f = fopen (out, "wb");
  if (f == NULL || fprintf (f, DKIM_SIGNHEADER ": %.*s\r\n", (int) hlen, hdr) < 0
      || fwrite (msg, 1, len, f) != len || fclose (f) != 0)
    {
      perror (out);
      exit (2);
    }
  dkim_free (dkim);
  free (msg);
  return 0;
}

int
main (int argc, char **argv)
{
  DKIM_LIB *lib;
  unsigned char *key;
  size_t klen;
  int refused = 0;

  if (argc < 8 || (argc - 6) % 2 != 0)
    {
      fprintf (stderr, "usage: %s KEY SELECTOR DOMAIN CANON ALG IN OUT [IN OUT]...\n", argv[0]);
      return 2;
    }
  key = read_file (argv[1], &klen);
  lib = dkim_init (NULL, NULL);
  if (key == NULL || lib == NULL)
    {
      fprintf (stderr, "%s: cannot read the key or start libopendkim\n", argv[1]);
      return 2;
    }
  for (int a = 6; a + 1 < argc; a += 2)
    refused |= sign_one (lib, key, argv, argv[a], argv[a + 1]);
  dkim_close (lib);
  free (key);
  return refused;
}
