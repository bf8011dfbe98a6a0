/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	verify-arc.c - the ARC chain of "dkimmod verify"
 * SYNOPSIS
 *	dkimmod_cli_arc_headers, dkimmod_cli_arc_finish, dkimmod_cli_arc_print
 * DESCRIPTION
 *	"dkimmod verify" gives the ARC verifier the same header fields and
 *	body as the DKIM verifier; its key questions are in the question set
 *	cmd-verify.c answers (the DKIM keys are asked into it too, so one
 *	round answers both); it prints its resinfo ("arc=pass (i=2) ...")
 *	after the dkim= lines when the message carries ARC fields.
 * STANDARDS
 *	RFC 8617 section 5.2; RFC 8601 (the resinfo).
 * NEVER
 *	Let the ARC result change the exit status, which is DKIM's (dkimmod(1)).
 */
#include <string.h>

#include "cli.h"

int
dkimmod_cli_arc_headers (DkimmodArcVerifier *a, DkimmodMsgParser *parser)
{
  GPtrArray *fields = dkimmod_msgparser_fields (parser);
  DkimmodError err = { 0 };

  for (guint i = 0; i < fields->len && err.code == DKIMMOD_OK; i++)
    {
      gsize flen;
      const char *f = g_bytes_get_data (g_ptr_array_index (fields, i), &flen);

      dkimmod_arc_verifier_add_header (a, f, flen, &err);
    }
  if (err.code == DKIMMOD_OK)
    dkimmod_arc_verifier_end_headers (a, &err);
  if (err.code == DKIMMOD_OK)
    return EX_OK;
  dkimmod_cli_warn ("message header (ARC): %s", err.message);
  return EX_DATAERR;
}

int
dkimmod_cli_arc_finish (DkimmodArcVerifier *a, const char *body, gsize len)
{
  DkimmodError err = { 0 };

  if (dkimmod_arc_verifier_add_body (a, body, len, &err) != 0
      || dkimmod_arc_verifier_finish (a, &err) != 0 || dkimmod_arc_verifier_step (a, &err) < 0)
    {
      dkimmod_cli_warn ("message (ARC): %s", err.message);
      return dkimmod_cli_status_exit (err.code);
    }
  return EX_OK;
}

void
dkimmod_cli_arc_print (const DkimmodArcVerifier *a, const char *client_ip, GString *out)
{
  const DkimmodArcResultInfo *r = dkimmod_arc_verifier_result (a);
  char *line;

  if (r == NULL || r->result == DKIMMOD_RESULT_NONE)
    return;
  line = dkimmod_arc_resinfo (r, client_ip);
  g_string_append_printf (out, "%s\n", line);
  dkimmod_free (line);
}
