/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz-verifier.c - fuzz the verifier end to end with fixed key answers
 * DESCRIPTION
 *	Input: one control byte, then a raw message (CRLF). The header block
 *	is split by the message parser, every field goes to the verifier,
 *	each key lookup is answered from a fixed set (the RFC 8463 Ed25519
 *	and RSA keys; control bits 0-1 may turn answers into NXDOMAIN,
 *	SERVFAIL or TIMEOUT instead), the body streams in chunks (bits 4-7),
 *	the clock is fixed just after the RFC 8463 example's t=. Bit 2 sets
 *	accept_rsa_sha1, bit 3 accept_body_length.
 *	Checks: never more results than 2 x max_signatures (that many key
 *	lookups, that many unparsable fields reported); the summary is PASS
 *	exactly when some signature passed; the Authentication-Results and
 *	resinfo strings are built for every result.
 * STANDARDS
 *	RFC 6376 section 6; RFC 8463; RFC 8601.
 */
#include <string.h>
#include <glib.h>

#include "authres.h"
#include "fuzz.h"
#include "msgparse.h"
#include "verifier.h"

/* RFC 8463 appendix A.2: the keys behind the seed messages' signatures. */
static const char ed_record[] = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
static const char rsa_record[] =
  "v=DKIM1; k=rsa; "
  "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
  "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/b"
  "yYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKr"
  "M3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K"
  "4w3QIDAQAB";

/* fixed_clock - just after the RFC 8463 signatures' t= */
static int64_t
fixed_clock (void *user_data)
{
  return 1528637909 + 60;
}

/* answer - every open lookup, from the fixed keys or a failure status */
static void
answer (DkimmodVerifier *v, guint mode)
{
  static const DkimmodDnsStatus fail[] = { DKIMMOD_DNS_OK, DKIMMOD_DNS_NXDOMAIN,
                                           DKIMMOD_DNS_SERVFAIL, DKIMMOD_DNS_TIMEOUT };

  for (size_t i = 0; i < dkimmod_verifier_key_query_count (v); i++)
    {
      const char *name = dkimmod_verifier_key_query_name (v, i);
      /* Both records for unknown names: the verifier tries each. */
      const char *records[2] = { rsa_record, ed_record };
      DkimmodError err;

      fuzz_check (name != NULL);
      if (g_ascii_strncasecmp (name, "brisbane.", 9) == 0)
        records[0] = ed_record;
      (void) dkimmod_verifier_key_answer (v, name, fail[mode], records, NULL,
                                          fail[mode] == DKIMMOD_DNS_OK ? 2 : 0, 0, &err);
    }
}

/* check_results - invariants over the finished verifier */
static void
check_results (DkimmodVerifier *v)
{
  DkimmodVerifyOptions defaults;
  gboolean any_pass = FALSE;
  DkimmodError err;
  size_t n = dkimmod_verifier_result_count (v);

  dkimmod_verify_options_init (&defaults);
  fuzz_check (n <= 2 * defaults.max_signatures);
  for (size_t i = 0; i < n; i++)
    {
      const DkimmodSignatureResult *r = dkimmod_verifier_result (v, i);
      g_autofree char *line = dkimmod_verifier_resinfo (v, i);

      fuzz_check (r != NULL && r->reason != NULL && r->domain != NULL && r->b != NULL);
      fuzz_check (line != NULL && strchr (line, '\n') == NULL);
      /* FUZZ_VERIFIER_DUMP=1: the outcomes (do the seeds reach "pass"?) */
      if (g_getenv ("FUZZ_VERIFIER_DUMP") != NULL)
        fprintf (stderr, "%s\n", line);
      any_pass |= r->result == DKIMMOD_RESULT_PASS;
    }
  fuzz_check ((dkimmod_verifier_summary (v) == DKIMMOD_RESULT_PASS) == any_pass);
  char *ar = dkimmod_verifier_authres (v, "mx.example.net", &err);
  fuzz_check (ar != NULL);
  fuzz_check (dkimmod_authres_is_ours (ar, strlen (ar), "mx.example.net") == 1);
  dkimmod_free (ar);
}

/* verify - the whole API over MSG; FALSE when a fault stopped it */
static gboolean
verify (DkimmodVerifier *v, const char *msg, gsize len, guint8 control)
{
  g_autoptr (DkimmodMsgParser) p = dkimmod_msgparser_new ();
  gboolean done = FALSE;
  GPtrArray *fields;
  DkimmodError err;
  gsize used, off, step = 1, pattern = (control >> 4) + 1;

  used = dkimmod_msgparser_feed (p, msg, len, &done, NULL);
  if (used == (gsize) -1)
    return FALSE;
  if (!done)
    dkimmod_msgparser_finish (p);
  fields = dkimmod_msgparser_fields (p);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (fields->pdata[i], &flen);

      if (dkimmod_verifier_add_header (v, f, flen, &err) != 0)
        return FALSE;
    }
  if (dkimmod_verifier_end_headers (v, &err) != 0)
    return FALSE;
  answer (v, control & 3);
  for (off = used; off < len; off += step, step = step % pattern + 1)
    {
      step = MIN (step, len - off);
      if (dkimmod_verifier_add_body (v, msg + off, step, &err) != 0)
        return FALSE;
    }
  return dkimmod_verifier_finish (v, &err) == 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static DkimmodContext *ctx;
  DkimmodVerifyOptions opts;

  if (size < 1)
    return 0;
  if (ctx == NULL)
    {
      ctx = dkimmod_context_new ();
      dkimmod_context_set_clock (ctx, fixed_clock, NULL);
    }
  dkimmod_verify_options_init (&opts);
  opts.accept_rsa_sha1 = (data[0] & 4) != 0;
  opts.accept_body_length = (data[0] & 8) != 0;

  g_autoptr (DkimmodVerifier) v = dkimmod_verifier_new (ctx, &opts);
  fuzz_check (v != NULL);
  if (verify (v, (const char *) data + 1, size - 1, data[0]))
    check_results (v);
  return 0;
}
