/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-opendkim.c - libopendkim throughput on the benchmark corpus
 * SYNOPSIS
 *	bench-opendkim CORPUS [SECONDS [ROUNDS]]
 * DESCRIPTION
 *	The peer harness of run-all.sh: signs msg-SIZE.eml and verifies
 *	signed-ALG-SIZE.eml of the corpus written by make-corpus.py with
 *	Debian's libopendkim (relaxed/relaxed, rsa-sha256 and ed25519-sha256),
 *	single thread, keys for verification from keys.txt through the
 *	library's file query method DKIM_QUERY_FILE (as opendkim-testmsg
 *	does), and the PEM key handed to dkim_sign() as opendkim(8) does.
 *	The message is split into header fields once, outside the timed
 *	loop, and fed as the opendkim milter feeds it: dkim_header() per
 *	field, dkim_eoh(), dkim_body(), dkim_eom(). Prints for each case
 *	  RESULT libopendkim sign|verify rsa|ed SIZE MESSAGES_PER_SECOND
 *	the median of ROUNDS (default 3) rounds of SECONDS (default 1) of CPU
 *	time each (messages per CPU second, as openssl speed counts).
 *	A measurement program linking the peer, not part of dkimmod.
 * DIAGNOSTICS
 *	Exit 2 on a usage, I/O or library error, or when a verification
 *	does not pass.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dkim.h>

typedef struct {
  unsigned char *data;
  size_t len;
  size_t nfields;
  size_t start[64], flen[64]; /* header fields without their final CRLF */
  size_t body;
} Msg;

static double seconds = 1.0;
static int rounds = 3;

static void
die (const char *what, const char *detail)
{
  fprintf (stderr, "bench-opendkim: %s: %s\n", what, detail);
  exit (2);
}

static unsigned char *
read_file (const char *path, size_t *len)
{
  FILE *f = fopen (path, "rb");
  unsigned char *buf;
  long n;

  if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (n = ftell (f)) < 0)
    die (path, "cannot read");
  rewind (f);
  buf = malloc ((size_t) n + 1);
  if (buf == NULL || fread (buf, 1, (size_t) n, f) != (size_t) n)
    die (path, "cannot read");
  fclose (f);
  buf[n] = '\0';
  *len = (size_t) n;
  return buf;
}

/* load - a message split into header fields (folding kept) and body */
static void
load (Msg *m, const char *dir, const char *name)
{
  char path[4096];
  size_t pos = 0;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  m->data = read_file (path, &m->len);
  m->nfields = 0;
  while (pos + 1 < m->len && !(m->data[pos] == '\r' && m->data[pos + 1] == '\n'))
    {
      size_t end = pos;

      do
        {
          unsigned char *crlf = memmem (m->data + end, m->len - end, "\r\n", 2);

          if (crlf == NULL)
            die (path, "unterminated header");
          end = (size_t) (crlf - m->data) + 2;
        }
      while (end < m->len && (m->data[end] == ' ' || m->data[end] == '\t'));
      if (m->nfields == 64)
        die (path, "too many header fields");
      m->start[m->nfields] = pos;
      m->flen[m->nfields++] = end - pos - 2;
      pos = end;
    }
  m->body = pos + 2;
}

/* now - CPU time of the process, not wall time: a shared machine's load
 * must not lower the rate */
static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static DKIM_STAT
feed (DKIM *dkim, const Msg *m)
{
  DKIM_STAT st = DKIM_STAT_OK;

  for (size_t i = 0; i < m->nfields && st == DKIM_STAT_OK; i++)
    st = dkim_header (dkim, m->data + m->start[i], m->flen[i]);
  if (st == DKIM_STAT_OK)
    st = dkim_eoh (dkim);
  if (st == DKIM_STAT_OK)
    st = dkim_body (dkim, m->data + m->body, m->len - m->body);
  if (st == DKIM_STAT_OK)
    st = dkim_eom (dkim, NULL);
  return st;
}

static void
sign_one (DKIM_LIB *lib, const unsigned char *key, const char *sel, int alg, const Msg *m)
{
  DKIM_STAT st;
  DKIM *dkim = dkim_sign (lib, (const unsigned char *) "bench", NULL, (dkim_sigkey_t) key,
                          (const unsigned char *) sel, (const unsigned char *) "example.net",
                          DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &st);
  unsigned char *hdr;
  size_t hlen;

  if (dkim == NULL)
    die ("dkim_sign", dkim_getresultstr (st));
  st = feed (dkim, m);
  if (st != DKIM_STAT_OK || dkim_getsighdr_d (dkim, strlen ("DKIM-Signature: "), &hdr, &hlen)
                              != DKIM_STAT_OK)
    die ("signing", dkim_getresultstr (st));
  dkim_free (dkim);
}

static void
verify_one (DKIM_LIB *lib, const Msg *m)
{
  DKIM_STAT st;
  DKIM *dkim = dkim_verify (lib, (const unsigned char *) "bench", NULL, &st);

  if (dkim == NULL)
    die ("dkim_verify", dkim_getresultstr (st));
  st = feed (dkim, m);
  if (st != DKIM_STAT_OK)
    die ("verification", dkim_getresultstr (st));
  dkim_free (dkim);
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* run - median messages/s; KEY NULL means verify */
static double
run (DKIM_LIB *lib, const unsigned char *key, const char *sel, int alg, const Msg *m)
{
  double rate[16];

  for (int r = 0; r < rounds; r++)
    {
      double start = now (), t;
      long n = 0;

      do
        {
          if (key != NULL)
            sign_one (lib, key, sel, alg, m);
          else
            verify_one (lib, m);
          n++;
          t = now ();
        }
      while (t - start < seconds);
      rate[r] = (double) n / (t - start);
    }
  qsort (rate, (size_t) rounds, sizeof rate[0], cmp_double);
  return rate[rounds / 2];
}

int
main (int argc, char **argv)
{
  static const char *const sizes[] = { "2k", "64k", "1m" };
  static const char *const algs[] = { "rsa", "ed" };
  const int alg_codes[] = { DKIM_SIGN_RSASHA256, DKIM_SIGN_ED25519SHA256 };
  dkim_query_t qtype = DKIM_QUERY_FILE;
  char keys[4096];
  DKIM_LIB *lib;

  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-opendkim CORPUS [SECONDS [ROUNDS]]\n");
      return 2;
    }
  if (argc > 2)
    seconds = atof (argv[2]);
  if (argc > 3)
    rounds = atoi (argv[3]);
  if (rounds < 1 || rounds > 16)
    rounds = 3;
  snprintf (keys, sizeof keys, "%s/keys.txt", argv[1]);
  lib = dkim_init (NULL, NULL);
  if (lib == NULL
      || dkim_options (lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof qtype)
           != DKIM_STAT_OK
      || dkim_options (lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, keys, strlen (keys))
           != DKIM_STAT_OK)
    die ("libopendkim", "initialisation failed");
  for (int a = 0; a < 2; a++)
    {
      char path[4096];
      size_t klen;
      unsigned char *key;

      snprintf (path, sizeof path, "%s/%s.pem", argv[1], algs[a]);
      key = read_file (path, &klen);
      for (int i = 0; i < 3; i++)
        {
          char name[64];
          Msg m, sm;

          snprintf (name, sizeof name, "msg-%s.eml", sizes[i]);
          load (&m, argv[1], name);
          snprintf (name, sizeof name, "signed-%s-%s.eml", algs[a], sizes[i]);
          load (&sm, argv[1], name);
          printf ("RESULT libopendkim sign %s %s %.1f\n", algs[a], sizes[i],
                  run (lib, key, algs[a], alg_codes[a], &m));
          fflush (stdout);
          printf ("RESULT libopendkim verify %s %s %.1f\n", algs[a], sizes[i],
                  run (lib, NULL, NULL, 0, &sm));
          fflush (stdout);
          free (m.data);
          free (sm.data);
        }
      free (key);
    }
  dkim_close (lib);
  return 0;
}
