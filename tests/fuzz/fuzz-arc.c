/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-arc.c - fuzz the ARC set parser and chain validator end to end
 * DESCRIPTION
 *	Input: one control byte, then a raw message (CRLF). Every header
 *	field goes to the ARC verifier; its questions are answered with the
 *	RFC 8463 RSA key (also the ValiMail suite's and the seeds' key), or
 *	per control bits 0-1 with NXDOMAIN, SERVFAIL or TIMEOUT; the body
 *	streams in chunks (bits 4-7); bit 2 sets accept_rsa_sha1. The clock
 *	is fixed after the seeds' t=.
 *	Checks: step() decides once every question is answered; the result
 *	is none, pass or fail; none exactly when there is no chain; a pass
 *	has as many sealers as instances and 1 <= oldest-pass <= instances;
 *	a temporary fail is a fail; the chain parser agrees with the
 *	verifier on the instance count; the resinfo is one line.
 * STANDARDS
 *	RFC 8617 section 5.2.
 */
#include <string.h>
#include <glib.h>

#include "arc-set.h"
#include "dnsquery.h"
#include "fuzz.h"
#include "msgparse.h"

/* RFC 8463 appendix A.2's RSA key: the ValiMail suite's "dummy" key too. */
static const char rsa_record[] =
  "v=DKIM1; k=rsa; "
  "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
  "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/b"
  "yYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKr"
  "M3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K"
  "4w3QIDAQAB";

#define FUZZ_ARC_NOW 1800000000

static int64_t
fixed_clock (void *user_data)
{
  (void) user_data;
  return FUZZ_ARC_NOW;
}

/* answer - every open question, with the key or a failure status */
static void
answer (DkimmodDnsQueries *q, guint mode)
{
  static const DkimmodDnsStatus status[] = { DKIMMOD_DNS_OK, DKIMMOD_DNS_NXDOMAIN,
                                             DKIMMOD_DNS_SERVFAIL, DKIMMOD_DNS_TIMEOUT };
  const char *records[1] = { rsa_record };
  DkimmodError err;

  for (size_t i = 0; i < dkimmod_dns_queries_count (q); i++)
    if (!dkimmod_dns_queries_answered (q, i))
      fuzz_check (dkimmod_dns_queries_answer (q, dkimmod_dns_queries_name (q, i),
                                              dkimmod_dns_queries_type (q, i), status[mode],
                                              records, NULL, status[mode] == DKIMMOD_DNS_OK,
                                              0, &err) == 0);
}

/* check_result - invariants of a decided chain; N is arc-set.c's count */
static void
check_result (const DkimmodArcResultInfo *r, guint n)
{
  g_autofree char *line = dkimmod_arc_resinfo (r, "192.0.2.1");

  fuzz_check (r->result == DKIMMOD_RESULT_NONE || r->result == DKIMMOD_RESULT_PASS
              || r->result == DKIMMOD_RESULT_FAIL);
  fuzz_check ((r->result == DKIMMOD_RESULT_NONE) == (n == 0));
  fuzz_check (r->instances == n && r->reason != NULL);
  if (r->result == DKIMMOD_RESULT_PASS)
    {
      fuzz_check (r->n_sealers == n && r->sealers != NULL && r->sealers[n] == NULL);
      fuzz_check (r->oldest_pass >= 1 && r->oldest_pass <= n);
      for (guint i = 0; i < n; i++)
        fuzz_check (r->sealers[i] != NULL && r->sealers[i][0] != '\0');
    }
  else
    fuzz_check (r->n_sealers == 0 && r->sealers == NULL && r->oldest_pass == 0);
  fuzz_check (!r->temporary || r->result == DKIMMOD_RESULT_FAIL);
  fuzz_check (line != NULL && strchr (line, '\n') == NULL && strchr (line, '\r') == NULL);
  if (g_getenv ("FUZZ_ARC_DUMP") != NULL)
    fprintf (stderr, "%s\n", line);
}

/* run - the whole API over MSG; FALSE when a fault (a limit) stopped it */
static gboolean
run (DkimmodArcVerifier *a, const char *msg, gsize len, guint8 control, guint *n_out)
{
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (
    (GDestroyNotify) dkimmod_header_field_free);
  g_autoptr (DkimmodArcChain) chain = NULL;
  gboolean done = FALSE;
  GPtrArray *raw;
  DkimmodError err;
  gsize used, off, step = 1, pattern = (control >> 4) + 1;

  used = dkimmod_msgparser_feed (p, msg, len, &done, NULL);
  if (used == (gsize) -1)
    return FALSE;
  if (!done)
    dkimmod_msgparser_finish (p);
  raw = dkimmod_msgparser_fields (p);
  for (guint i = 0; i < raw->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (raw->pdata[i], &flen);
      DkimmodHeaderField *hf = dkimmod_header_field_new (f, flen, NULL);

      if (dkimmod_arc_verifier_add_header (a, f, flen, &err) != 0)
        return FALSE;
      if (hf != NULL)
        g_ptr_array_add (fields, hf);
    }
  chain = dkimmod_arc_chain_collect (fields, FUZZ_ARC_NOW, 300);
  *n_out = chain->n;
  fuzz_check (dkimmod_arc_verifier_end_headers (a, &err) == 0);
  fuzz_check (dkimmod_arc_verifier_step (a, &err) == 0);   /* body not ended */
  for (off = used; off < len; off += step, step = step % pattern + 1)
    {
      step = MIN (step, len - off);
      fuzz_check (dkimmod_arc_verifier_add_body (a, msg + off, step, &err) == 0);
    }
  fuzz_check (dkimmod_arc_verifier_finish (a, &err) == 0);
  answer (dkimmod_arc_verifier_queries (a), control & 3);
  fuzz_check (dkimmod_arc_verifier_step (a, &err) == 1);
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DkimmodContext *ctx;
  DkimmodVerifyOptions opts;
  guint n = 0;

  if (size < 1)
    return 0;
  if (ctx == NULL)
    {
      ctx = dkimmod_context_new ();
      dkimmod_context_set_clock (ctx, fixed_clock, NULL);
    }
  dkimmod_verify_options_init (&opts);
  opts.accept_rsa_sha1 = (data[0] & 4) != 0;

  g_autoptr (DkimmodArcVerifier) a = dkimmod_arc_verifier_new (ctx, &opts, NULL);
  fuzz_check (a != NULL);
  if (run (a, (const char *) data + 1, size - 1, data[0], &n))
    check_result (dkimmod_arc_verifier_result (a), n);
  return 0;
}
