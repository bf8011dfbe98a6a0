/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	arc-set.c - group a message's ARC fields into sets and check the chain's structure
 * SYNOPSIS
 *	dkimmod_arc_chain_collect, dkimmod_arc_chain_free,
 *	dkimmod_arc_aar_instance
 * DESCRIPTION
 *	Every ARC-Seal (AS), ARC-Message-Signature (AMS) and
 *	ARC-Authentication-Results (AAR) field is placed by its instance:
 *	the i= tag of an AS or AMS (their tag lists are read by sigparse.c,
 *	the same reader as for DKIM-Signature), the leading "i=N;" of an
 *	AAR. Then RFC 8617 section 5.2 steps 1 to 3 decide whether there is
 *	a chain to verify: none without any ARC field; fail when the newest
 *	AS says cv=fail, when an instance lacks one of its three fields or
 *	has two of one, when instances are not 1..N without gaps, when
 *	instance 1 is not cv=none or a later one not cv=pass, or when an AS
 *	cannot be read (its cv= and signature are needed by every later
 *	step). An AMS that cannot be read does not end the chain here: it
 *	fails to validate, which matters only for the newest one (step 4)
 *	and for oldest-pass (step 5); arc.c decides that.
 * STANDARDS
 *	RFC 8617 sections 4.1.1 (AAR instance), 4.1.2, 4.1.3, 4.2.1
 *	(instances 1 to 50), 5.2 steps 1-3.
 * SECURITY
 *	Fields come from the message, bounded by the header limits; an
 *	instance outside 1..50 is a failed chain, so the set table has a fixed
 *	size. Nothing is looked up or hashed here.
 * NEVER
 *	Call a chain anything but fail when its structure is broken.
 */
#include "dkimmod-build-config.h"

#include <string.h>

#include "arc-set.h"
#include "authres.h"
#include "msgparse.h"

/* field_kind - which ARC field F is */
static DkimmodArcField
field_kind (const DkimmodHeaderField *f)
{
  if (strcmp (f->lname, "arc-seal") == 0)
    return DKIMMOD_ARC_FIELD_AS;
  if (strcmp (f->lname, "arc-message-signature") == 0)
    return DKIMMOD_ARC_FIELD_AMS;
  if (strcmp (f->lname, "arc-authentication-results") == 0)
    return DKIMMOD_ARC_FIELD_AAR;
  return DKIMMOD_ARC_FIELD_NONE;
}

static const char *
kind_name (DkimmodArcField kind)
{
  return kind == DKIMMOD_ARC_FIELD_AS    ? "ARC-Seal"
         : kind == DKIMMOD_ARC_FIELD_AMS ? "ARC-Message-Signature"
                                         : "ARC-Authentication-Results";
}

guint
dkimmod_arc_aar_instance (const char *value, gsize len)
{
  const char *p = value, *end = value + len, *digits;
  guint n;

  /* instance = [CFWS] "i" [CFWS] "=" [CFWS] i-value, then [CFWS] ";" */
  if ((p = dkimmod_authres_skip_cfws (p, end)) == NULL || p >= end || (*p != 'i' && *p != 'I'))
    return 0;
  if ((p = dkimmod_authres_skip_cfws (p + 1, end)) == NULL || p >= end || *p != '=')
    return 0;
  if ((p = dkimmod_authres_skip_cfws (p + 1, end)) == NULL)
    return 0;
  for (digits = p; p < end && g_ascii_isdigit (*p); p++)
    ;
  n = dkimmod_sigparse_instance (digits, p - digits);
  if (n == 0 || (p = dkimmod_authres_skip_cfws (p, end)) == NULL || p >= end || *p != ';')
    return 0;
  return n;
}

/* field_value - F's value bounds, final CRLF excluded */
static gboolean
field_value (const DkimmodHeaderField *f, const char **value, gsize *len)
{
  gsize name_len, value_off, flen = f->len;

  if (flen >= 2 && f->data[flen - 2] == '\r' && f->data[flen - 1] == '\n')
    flen -= 2;
  if (!dkimmod_header_split (f->data, flen, &name_len, &value_off))
    return FALSE;
  *value = f->data + value_off;
  *len = flen - value_off;
  return TRUE;
}

/* read_signature - an AS or AMS into SPEC; its instance (0 when it has
 * no readable i=) and, when SPEC is not valid, the reason in *ERROR */
static guint
read_signature (const DkimmodHeaderField *f, DkimmodSigKind kind, gint64 now, gint64 drift,
                DkimmodSigSpec *spec, GError **error)
{
  DkimmodTagList tags;
  const DkimmodTag *i;

  if (!dkimmod_sigparse_field_tags (f, &tags, error))
    return 0;
  i = dkimmod_tag_list_find (&tags, "i");
  if (i == NULL || dkimmod_sigparse_instance (i->value, i->value_len) == 0)
    {
      g_set_error (error, DKIMMOD_RECORD_ERROR, DKIMMOD_RECORD_ERROR_SYNTAX,
                   "no instance i= of 1 to 50");
      return 0;
    }
  dkimmod_sigparse_kind (&tags, kind, now, drift, spec, error);
  return dkimmod_sigparse_instance (i->value, i->value_len);
}

/* place - field IDX (of KIND) into its set; FALSE with chain->fail set */
static gboolean
place (DkimmodArcChain *chain, const DkimmodHeaderField *f, guint idx, DkimmodArcField kind,
       gint64 now, gint64 drift)
{
  g_autoptr (GError) error = NULL;
  DkimmodSigSpec spec = { 0 };
  guint inst = 0, *slot;
  const char *value;
  gsize len;

  if (kind == DKIMMOD_ARC_FIELD_AAR)
    inst = field_value (f, &value, &len) ? dkimmod_arc_aar_instance (value, len) : 0;
  else
    inst = read_signature (f, kind == DKIMMOD_ARC_FIELD_AS ? DKIMMOD_SIG_AS : DKIMMOD_SIG_AMS,
                           now, drift, &spec, &error);
  if (inst == 0)
    {
      chain->fail = g_strdup_printf ("%s without a valid instance%s%s", kind_name (kind),
                                     error != NULL ? ": " : "",
                                     error != NULL ? error->message : "");
      dkimmod_sigspec_clear (&spec);
      return FALSE;
    }
  chain->field_instance[idx] = (guint8) inst;
  chain->n = MAX (chain->n, inst);
  DkimmodArcSet *set = &chain->sets[inst - 1];
  slot = kind == DKIMMOD_ARC_FIELD_AS ? &set->as : kind == DKIMMOD_ARC_FIELD_AMS ? &set->ams
                                                                                 : &set->aar;
  if (*slot != 0)
    {
      chain->fail = g_strdup_printf ("two %s fields with i=%u", kind_name (kind), inst);
      dkimmod_sigspec_clear (&spec);
      return FALSE;
    }
  *slot = idx + 1;
  if (kind == DKIMMOD_ARC_FIELD_AS && error != NULL)
    {
      chain->fail = g_strdup_printf ("ARC-Seal i=%u: %s", inst, error->message);
      dkimmod_sigspec_clear (&spec);
      return FALSE;
    }
  if (kind == DKIMMOD_ARC_FIELD_AS)
    set->as_spec = spec;
  else if (kind == DKIMMOD_ARC_FIELD_AMS)
    {
      set->ams_spec = spec;
      if (error != NULL)
        set->ams_error = g_strdup (error->message);
    }
  return TRUE;
}

/* check_sets - RFC 8617 5.2 steps 2 and 3 once every field is placed */
static void
check_sets (DkimmodArcChain *chain)
{
  const DkimmodArcSet *newest = &chain->sets[chain->n - 1];

  if (newest->as != 0 && newest->as_spec.cv == DKIMMOD_ARC_CV_FAIL)
    {
      chain->fail = g_strdup_printf ("ARC-Seal i=%u says cv=fail", chain->n);
      return;
    }
  for (guint i = 1; i <= chain->n; i++)
    {
      const DkimmodArcSet *set = &chain->sets[i - 1];
      DkimmodArcCv want = i == 1 ? DKIMMOD_ARC_CV_NONE : DKIMMOD_ARC_CV_PASS;

      if (set->aar == 0 || set->ams == 0 || set->as == 0)
        {
          chain->fail = g_strdup_printf ("instance %u has no %s", i,
                                         kind_name (set->as == 0    ? DKIMMOD_ARC_FIELD_AS
                                                    : set->ams == 0 ? DKIMMOD_ARC_FIELD_AMS
                                                                    : DKIMMOD_ARC_FIELD_AAR));
          return;
        }
      if (set->as_spec.cv != want)
        {
          chain->fail = g_strdup_printf ("ARC-Seal i=%u has cv=%s, not %s", i,
                                         set->as_spec.cv == DKIMMOD_ARC_CV_FAIL   ? "fail"
                                         : set->as_spec.cv == DKIMMOD_ARC_CV_PASS ? "pass"
                                                                                  : "none",
                                         want == DKIMMOD_ARC_CV_NONE ? "none" : "pass");
          return;
        }
    }
}

/**
 * dkimmod_arc_chain_collect:
 * @fields: (element-type DkimmodHeaderField): the message's header fields
 *
 * Returns: (transfer full): the chain; ->n == 0 without ARC fields,
 *   ->fail set when the structure fails.
 */
DkimmodArcChain *
dkimmod_arc_chain_collect (const GPtrArray *fields, gint64 now, gint64 clock_drift)
{
  DkimmodArcChain *chain = g_new0 (DkimmodArcChain, 1);
  guint count = 0;

  chain->field_instance = g_new0 (guint8, fields->len + 1);
  chain->field_kind = g_new0 (guint8, fields->len + 1);
  for (guint i = 0; i < fields->len; i++)
    {
      const DkimmodHeaderField *f = g_ptr_array_index (fields, i);
      DkimmodArcField kind = field_kind (f);

      chain->field_kind[i] = (guint8) kind;
      if (kind == DKIMMOD_ARC_FIELD_NONE)
        continue;
      /* RFC 8617 5.2 step 1: more than 50 sets is a failed chain */
      if (++count > 3 * DKIMMOD_ARC_MAX_INSTANCE)
        {
          g_free (chain->fail);
          chain->n = MAX (chain->n, 1);
          chain->fail = g_strdup_printf ("more than %u ARC sets", DKIMMOD_ARC_MAX_INSTANCE);
          return chain;
        }
      if (chain->fail == NULL && !place (chain, f, i, kind, now, clock_drift))
        chain->n = MAX (chain->n, 1);   /* there is a chain, and it fails */
    }
  if (chain->fail == NULL && chain->n > 0)
    check_sets (chain);
  return chain;
}

void
dkimmod_arc_chain_free (DkimmodArcChain *chain)
{
  if (chain == NULL)
    return;
  for (guint i = 0; i < DKIMMOD_ARC_MAX_INSTANCE; i++)
    {
      dkimmod_sigspec_clear (&chain->sets[i].ams_spec);
      dkimmod_sigspec_clear (&chain->sets[i].as_spec);
      g_free (chain->sets[i].ams_error);
    }
  g_free (chain->field_instance);
  g_free (chain->field_kind);
  g_free (chain->fail);
  g_free (chain);
}
