/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	host.c - an MTA that loads libdkimmod at run time, signs and verifies
 * SYNOPSIS
 *	host LIBDKIMMOD.so KEYFILE
 * DESCRIPTION
 *	The example of libdkimmod(3), section EXAMPLES, "Loading the library
 *	at run time": the page shows this file. It links nothing of ours:
 *	it dlopen()s the library named on the command line, looks up
 *	dkimmod_plugin_v1, and refuses a table of another ABI major version
 *	or one too short for what it calls. Then it signs a message with
 *	KEYFILE and verifies the result (and a copy with a changed body)
 *	through the table, answering the verifier's key lookups itself, the
 *	way an event-driven MTA would: the queries go out at end of headers,
 *	the body streams on, and the answer (from a one-record "zone" built
 *	from the key) is handed in when it "arrives", halfway through. The
 *	library's own messages go to the host's log through the context's
 *	log function (the library never prints).
 *	Exit status: 0 signed, verified pass, the changed copy failed;
 *	1 a DKIM step went wrong; 2 usage or loading; 3 incompatible library.
 * STANDARDS
 *	RFC 6376 section 3.6.2.2 (the key record name the verifier asks for).
 * NEVER
 *	Include anything from the library but <dkimmod.h>, or call a table
 *	field before checking abi_major and struct_size.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <dkimmod.h>

/* The last table field this host calls (ABI 1.2); the library must reach past it. */
#define HOST_NEEDS_UP_TO(t) (offsetof (DkimmodPluginV1, key_bits) + sizeof (t)->key_bits)

static const char *const headers[] = {
  "From: Alice <alice@example.net>\r\n",
  "To: bob@example.org\r\n",
  "Subject: loaded at run time\r\n",
  "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n",
};
#define N_HEADERS (sizeof headers / sizeof headers[0])
static const char body[] = "Hello, Bob.\r\n\r\nSigned and verified through the plugin table.\r\n";

/* The host's own "DNS": one record, and the queries still in flight. */
typedef struct {
  const char *name;
  const char *record;
} HostZone;

/* load_table - dlopen LIB and return its table, or NULL with exit code */
static const DkimmodPluginV1 *
load_table (const char *lib, int *code)
{
  const DkimmodPluginV1 *(*entry) (void);
  const DkimmodPluginV1 *t;
  void *h = dlopen (lib, RTLD_NOW | RTLD_LOCAL);

  *code = 2;
  if (h == NULL)
    return fprintf (stderr, "host: %s\n", dlerror ()), NULL;
  *(void **) &entry = dlsym (h, "dkimmod_plugin_v1");
  if (entry == NULL)
    return fprintf (stderr, "host: %s: no dkimmod_plugin_v1\n", lib), NULL;
  t = entry ();
  *code = 3;
  if (t == NULL || t->abi_major != DKIMMOD_ABI_MAJOR)
    return fprintf (stderr, "host: refusing %s: ABI %u.x, this host speaks %u.x\n", lib,
                    t ? (unsigned) t->abi_major : 0u, (unsigned) DKIMMOD_ABI_MAJOR), NULL;
  if (t->struct_size < HOST_NEEDS_UP_TO (t))
    return fprintf (stderr, "host: refusing %s: ABI %u.%u lacks what this host calls (need 1.2)\n",
                    lib, (unsigned) t->abi_major, (unsigned) t->abi_minor), NULL;
  *code = 0;
  return t;
}

/* sign - the DKIM-Signature fields for the message (free with t->free) */
static char *
sign (const DkimmodPluginV1 *t, DkimmodContext *ctx, DkimmodKey *key, DkimmodError *err)
{
  DkimmodSigner *s = t->signer_new (ctx);
  DkimmodSignSpec spec;
  char *sig = NULL;
  size_t i = 0;

  t->sign_spec_init (&spec);
  spec.domain = "example.net";
  spec.selector = "host1";
  spec.key = key;
  if (t->signer_add_signature (s, &spec, err) == 0)
    {
      while (i < N_HEADERS && t->signer_add_header (s, headers[i], strlen (headers[i]), err) == 0)
        i++;
      if (i == N_HEADERS && t->signer_end_headers (s, err) == 0
          && t->signer_add_body (s, body, strlen (body), err) == 0)
        sig = t->signer_finish (s, NULL, err);
    }
  t->signer_free (s);
  return sig;
}

/* dns_reply - the "resolver callback": answer every open query */
static int
dns_reply (const DkimmodPluginV1 *t, DkimmodVerifier *v, const HostZone *zone, DkimmodError *err)
{
  size_t i, len = strlen (zone->record);

  for (i = 0; i < t->verifier_key_query_count (v); i++)
    {
      const char *name = t->verifier_key_query_name (v, i);
      int found = strcasecmp (name, zone->name) == 0;

      if (t->verifier_key_query_answered (v, i))
        continue;
      printf ("dns: %s %s\n", name, found ? "TXT" : "NXDOMAIN");
      if (t->verifier_key_answer (v, name, found ? DKIMMOD_DNS_OK : DKIMMOD_DNS_NXDOMAIN,
                                  &zone->record, &len, found ? 1 : 0, 0, err) != 0)
        return -1;
    }
  return 0;
}

/* feed - headers, queries out, half the body, DNS reply, rest, finish */
static int
feed (const DkimmodPluginV1 *t, DkimmodVerifier *v, const char *sig, const char *text,
      const HostZone *zone, DkimmodError *err)
{
  size_t i, half = strlen (text) / 2;

  if (t->verifier_add_header (v, sig, strlen (sig), err) != 0)
    return -1;
  for (i = 0; i < N_HEADERS; i++)
    if (t->verifier_add_header (v, headers[i], strlen (headers[i]), err) != 0)
      return -1;
  if (t->verifier_end_headers (v, err) != 0
      || t->verifier_add_body (v, text, half, err) != 0
      || dns_reply (t, v, zone, err) != 0
      || t->verifier_add_body (v, text + half, strlen (text) - half, err) != 0)
    return -1;
  return t->verifier_finish (v, err);
}

/* verify - prints results and Authentication-Results; the summary or -1 */
static int
verify (const DkimmodPluginV1 *t, DkimmodContext *ctx, const char *sig, const char *text,
        const HostZone *zone, DkimmodError *err)
{
  DkimmodVerifier *v = t->verifier_new (ctx, NULL);
  char *ar = NULL;
  int rc = -1;
  size_t i;

  if (feed (t, v, sig, text, zone, err) == 0
      && (ar = t->verifier_authres (v, "mx.example.org", err)) != NULL)
    {
      for (i = 0; i < t->verifier_result_count (v); i++)
        {
          const DkimmodSignatureResult *r = t->verifier_result (v, i);
          printf ("d=%s s=%s: %s %s\n", r->domain, r->selector,
                  t->result_name (r->result), r->reason);
        }
      fputs (ar, stdout);
      rc = (int) t->verifier_summary (v);
    }
  t->free (ar);
  t->verifier_free (v);
  return rc;
}

/* host_log - the library's messages, into the host's own log (here stdout) */
static void
host_log (DkimmodLogLevel level, const char *message, void *user_data)
{
  static const char *const names[] = { "error", "warning", "info", "debug" };

  printf ("%s: libdkimmod %s: %s\n", (const char *) user_data,
          level <= DKIMMOD_LOG_DEBUG ? names[level] : "?", message);
}

/* run - sign, then verify the message and a copy with a changed body */
static int
run (const DkimmodPluginV1 *t, DkimmodContext *ctx, const char *keyfile, DkimmodError *err)
{
  DkimmodKey *key = t->key_load_file (ctx, keyfile, 0, err);
  char *record = key ? t->key_dns_record (key, err) : NULL;
  char *sig = record ? sign (t, ctx, key, err) : NULL;
  HostZone zone = { "host1._domainkey.example.net", record };
  int good = -1, bad = -1;

  if (sig != NULL)
    {
      printf ("key: %s, %u bits\n", t->algorithm_name (t->key_algorithm (key)), t->key_bits (key));
      fputs (sig, stdout);
      good = verify (t, ctx, sig, body, &zone, err);
      if (good >= 0)
        bad = verify (t, ctx, sig, "Hello, Mallory.\r\n", &zone, err);
    }
  if (bad < 0)
    fprintf (stderr, "host: %s: %s\n", t->status_name (err->code), err->message);
  t->free (sig);
  t->free (record);
  if (key != NULL)
    t->key_unref (key);
  return bad < 0 ? 1 : (good == DKIMMOD_RESULT_PASS && bad == DKIMMOD_RESULT_FAIL) ? 0 : 1;
}

int
main (int argc, char **argv)
{
  DkimmodError err = { DKIMMOD_OK, "" };
  const DkimmodPluginV1 *t;
  DkimmodContext *ctx;
  int code;

  if (argc != 3)
    return fprintf (stderr, "usage: host LIBDKIMMOD.so KEYFILE\n"), 2;
  if ((t = load_table (argv[1], &code)) == NULL)
    return code;
  printf ("loaded libdkimmod %s, ABI %u.%u\n", t->version (),
          (unsigned) t->abi_major, (unsigned) t->abi_minor);
  ctx = t->context_new ();
  t->context_set_log (ctx, host_log, "host");
  code = run (t, ctx, argv[2], &err);
  t->context_unref (ctx);
  return code;
}
