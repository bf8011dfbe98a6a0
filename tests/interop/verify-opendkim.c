/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verify-opendkim.c - verify messages with libopendkim (interop test)
 * SYNOPSIS
 *	verify-opendkim KEYS FILE...
 * DESCRIPTION
 *	Verifies each FILE (a message in CRLF form) with libopendkim, the
 *	library inside opendkim(8), its keys read from KEYS through the
 *	library's own test hook DKIM_QUERY_FILE (lines "selector._domainkey.
 *	domain record"), so no DNS is used. Prints one line per signature:
 *	FILE<TAB>INDEX<TAB>DOMAIN<TAB>SELECTOR<TAB>pass|fail<TAB>DETAIL
 *	and INDEX -1 with "none" for a file without a signature. Every
 *	signature is evaluated (DKIM_LIBFLAGS_VERIFYONE is not set). The
 *	message is fed as the opendkim milter feeds it (see feed), not with
 *	dkim_chunk(), so the verdicts are those a Postfix site running
 *	opendkim(8) would get.
 *	A test program linking the peer, not part of dkimmod.
 * DIAGNOSTICS
 *	Exit 0 after printing (verdicts are data); 2 on a usage or I/O error.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
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
          buf = realloc (buf, cap);
          if (buf == NULL)
            exit (2);
        }
      got = fread (buf + n, 1, cap - n, f);
      n += got;
    }
  while (got > 0);
  fclose (f);
  *len = n;
  return buf;
}

/* print_signatures - one line per signature of DKIM. */
static void
print_signatures (const char *path, DKIM *dkim, DKIM_STAT eom)
{
  DKIM_SIGINFO **sigs = NULL;
  int nsigs = 0;

  if (dkim_getsiglist (dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0)
    {
      printf ("%s\t-1\t\t\tnone\t%s\n", path, dkim_getresultstr (eom));
      return;
    }
  for (int i = 0; i < nsigs; i++)
    {
      DKIM_SIGINFO *sig = sigs[i];
      unsigned int flags = dkim_sig_getflags (sig);
      int bh = dkim_sig_getbh (sig);
      bool pass = (flags & DKIM_SIGFLAG_PASSED) != 0 && bh == DKIM_SIGBH_MATCH;
      const char *domain = (const char *) dkim_sig_getdomain (sig);
      const char *selector = (const char *) dkim_sig_getselector (sig);
      const char *why = dkim_sig_geterrorstr (dkim_sig_geterror (sig));

      printf ("%s\t%d\t%s\t%s\t%s\t%s%s%s\n", path, i, domain ? domain : "",
              selector ? selector : "", pass ? "pass" : "fail", why ? why : "",
              (!pass && bh != DKIM_SIGBH_MATCH) ? "; body hash mismatch" : "",
              (!pass && (flags & DKIM_SIGFLAG_PROCESSED) == 0) ? "; not processed" : "");
    }
}

/* feed - the message as opendkim(8)'s milter hands it to the library:
 * each header field (folding kept, final CRLF removed) to dkim_header(),
 * then dkim_eoh(), the body to dkim_body(), and dkim_eom(). */
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
          body = pos + 2; /* the empty line */
          break;
        }
      /* A field ends at a CRLF not followed by WSP (RFC 5322 2.2.3). */
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

int
main (int argc, char **argv)
{
  DKIM_LIB *lib;
  dkim_query_t qtype = DKIM_QUERY_FILE;

  if (argc < 3)
    {
      fprintf (stderr, "usage: %s KEYS FILE...\n", argv[0]);
      return 2;
    }
  lib = dkim_init (NULL, NULL);
  if (lib == NULL
      || dkim_options (lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof qtype)
           != DKIM_STAT_OK
      || dkim_options (lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, argv[1], strlen (argv[1]))
           != DKIM_STAT_OK)
    {
      fprintf (stderr, "libopendkim: initialisation failed\n");
      return 2;
    }
  for (int a = 2; a < argc; a++)
    {
      size_t len;
      unsigned char *msg = read_file (argv[a], &len);
      DKIM_STAT status;
      DKIM *dkim;

      if (msg == NULL)
        {
          perror (argv[a]);
          return 2;
        }
      dkim = dkim_verify (lib, (const unsigned char *) argv[a], NULL, &status);
      if (dkim == NULL)
        {
          fprintf (stderr, "%s: dkim_verify: %s\n", argv[a], dkim_getresultstr (status));
          return 2;
        }
      status = feed (dkim, msg, len);
      print_signatures (argv[a], dkim, status);
      dkim_free (dkim);
      free (msg);
    }
  dkim_close (lib);
  return 0;
}
