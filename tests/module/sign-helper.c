/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sign-helper.c - sign a message on stdin, for the dkimpy round trip
 * SYNOPSIS
 *	sign-helper [-c HC/BC] [-t TIME] [-i ID] [-H LIST] [-x SECS] [-R RECORDS]
 *	            KEY:DOMAIN:SELECTOR...
 * DESCRIPTION
 *	Reads a CRLF message on stdin, signs it with one signature per
 *	KEY:DOMAIN:SELECTOR argument (the key read directly, so its file
 *	mode does not matter), writes the signature fields followed by the
 *	message to stdout, and the DNS records ("name<TAB>record" lines) to
 *	RECORDS. Test tool only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "dkimmod.h"
#include "msgparse.h"

static gint64 fixed_time = 0;

static int64_t
fixed_clock (void *data)
{
  return fixed_time;
}

G_NORETURN static void
die (const char *what, const DkimmodError *err)
{
  fprintf (stderr, "sign-helper: %s: %s\n", what, err != NULL ? err->message : "");
  exit (1);
}

int
main (int argc, char **argv)
{
  g_autofree char *canon = NULL, *records = NULL, *identity = NULL, *headers = NULL;
  gint64 expire = 0;
  g_autoptr (GOptionContext) oc = g_option_context_new ("KEY:DOMAIN:SELECTOR...");
  GOptionEntry entries[] = {
    { "canon", 'c', 0, G_OPTION_ARG_STRING, &canon, "c= value", "HC/BC" },
    { "time", 't', 0, G_OPTION_ARG_INT64, &fixed_time, "fixed t=", "TIME" },
    { "records", 'R', 0, G_OPTION_ARG_FILENAME, &records, "DNS records file", "FILE" },
    { "identity", 'i', 0, G_OPTION_ARG_STRING, &identity, "i= value", "ID" },
    { "headers", 'H', 0, G_OPTION_ARG_STRING, &headers, "headers to sign", "LIST" },
    { "expire", 'x', 0, G_OPTION_ARG_INT64, &expire, "x= after t=", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) msg = g_string_new (NULL);
  g_autoptr (GString) recs = g_string_new (NULL);
  g_autoptr (DkimmodMsgParser) parser = dkimmod_msgparser_new ();
  g_autoptr (DkimmodContext) ctx = dkimmod_context_new ();
  g_autoptr (DkimmodSigner) signer = NULL;
  DkimmodError err;
  char buf[65536];
  size_t n;
  gsize used;
  gboolean done = FALSE;
  GPtrArray *fields;
  char *sigs;
  size_t siglen;

  g_option_context_add_main_entries (oc, entries, NULL);
  if (!g_option_context_parse (oc, &argc, &argv, &error) || argc < 2)
    {
      fprintf (stderr, "usage: sign-helper [-c HC/BC] [-t TIME] [-R FILE] KEY:DOMAIN:SELECTOR...\n");
      return 64;
    }
  if (fixed_time != 0)
    dkimmod_context_set_clock (ctx, fixed_clock, NULL);
  while ((n = fread (buf, 1, sizeof buf, stdin)) > 0)
    g_string_append_len (msg, buf, (gssize) n);
  signer = dkimmod_signer_new (ctx);
  for (int i = 1; i < argc; i++)
    {
      g_auto (GStrv) parts = g_strsplit (argv[i], ":", 3);
      g_autofree char *pem = NULL;
      gsize pem_len;
      g_autoptr (DkimmodKey) key = NULL;
      DkimmodSignSpec spec;
      char *rec;

      if (g_strv_length (parts) != 3 || !g_file_get_contents (parts[0], &pem, &pem_len, NULL))
        die ("bad KEY:DOMAIN:SELECTOR", NULL);
      key = dkimmod_key_load_pem (pem, pem_len, &err);
      if (key == NULL)
        die ("key", &err);
      dkimmod_sign_spec_init (&spec);
      spec.domain = parts[1];
      spec.selector = parts[2];
      spec.key = key;
      spec.identity = identity;
      spec.headers = headers;
      spec.expire_after = (guint64) expire;
      if (canon != NULL && dkimmod_canon_from_name (canon, &spec.header_canon, &spec.body_canon) != 0)
        die ("bad canonicalization", NULL);
      if (dkimmod_signer_add_signature (signer, &spec, &err) != 0)
        die ("add_signature", &err);
      rec = dkimmod_key_dns_record (key, &err);
      g_string_append_printf (recs, "%s._domainkey.%s\t%s\n", parts[2], parts[1], rec);
      dkimmod_free (rec);
    }
  used = dkimmod_msgparser_feed (parser, msg->str, msg->len, &done, &error);
  if (used == (gsize) -1)
    die (error->message, NULL);
  dkimmod_msgparser_finish (parser);
  fields = dkimmod_msgparser_fields (parser);
  for (guint i = 0; i < fields->len; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

      if (dkimmod_signer_add_header (signer, f, flen, &err) != 0)
        die ("add_header", &err);
    }
  if (dkimmod_signer_end_headers (signer, &err) != 0
      || dkimmod_signer_add_body (signer, msg->str + used, msg->len - used, &err) != 0)
    die ("body", &err);
  sigs = dkimmod_signer_finish (signer, &siglen, &err);
  if (sigs == NULL)
    die ("finish", &err);
  if (records != NULL && !g_file_set_contents (records, recs->str, (gssize) recs->len, &error))
    die (error->message, NULL);
  fwrite (sigs, 1, siglen, stdout);
  fwrite (msg->str, 1, msg->len, stdout);
  dkimmod_free (sigs);
  return 0;
}
