/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	plugin.c - the dlopen() entry point of libdkimmod
 * SYNOPSIS
 *	dkimmod_plugin_v1
 * DESCRIPTION
 *	A host that loads the module at run time looks up one symbol,
 *	"dkimmod_plugin_v1", and gets a table of the public functions with
 *	the ABI version it was built for. The table is static const: it is
 *	not mutable state. Fields are only ever appended; struct_size says
 *	how many a given library has: abi_minor 0 ended at signer_free,
 *	abi_minor 1 appended the verifier, key file, resolver and
 *	Authentication-Results functions, abi_minor 2 the rest (key_ref,
 *	key_bits, context_set_log, ...), abi_minor 3 the DNS question sets
 *	and the DNS file (then SPF, ARC, DMARC and the message aggregate of
 *	issue 10, appended in turn): every exported function but this
 *	entry point is in the table (tests/module/test-api.c checks it
 *	against the library's dynamic symbols).
 * NEVER
 *	Reorder or remove fields (that is a new abi_major).
 */
#include "dkimmod.h"

static const DkimmodPluginV1 plugin_v1 = {
  .abi_major = DKIMMOD_ABI_MAJOR,
  .abi_minor = DKIMMOD_ABI_MINOR,
  .struct_size = sizeof (DkimmodPluginV1),
  .version = dkimmod_version,
  .status_name = dkimmod_status_name,
  .free = dkimmod_free,
  .context_new = dkimmod_context_new,
  .context_ref = dkimmod_context_ref,
  .context_unref = dkimmod_context_unref,
  .context_set_clock = dkimmod_context_set_clock,
  .key_load_file = dkimmod_key_load_file,
  .key_load_pem = dkimmod_key_load_pem,
  .key_unref = dkimmod_key_unref,
  .key_dns_record = dkimmod_key_dns_record,
  .sign_spec_init = dkimmod_sign_spec_init,
  .signer_new = dkimmod_signer_new,
  .signer_add_signature = dkimmod_signer_add_signature,
  .signer_add_header = dkimmod_signer_add_header,
  .signer_end_headers = dkimmod_signer_end_headers,
  .signer_add_body = dkimmod_signer_add_body,
  .signer_finish = dkimmod_signer_finish,
  .signer_free = dkimmod_signer_free,
  /* abi_minor 1: verification */
  .result_name = dkimmod_result_name,
  .verify_options_init = dkimmod_verify_options_init,
  .verifier_new = dkimmod_verifier_new,
  .verifier_add_header = dkimmod_verifier_add_header,
  .verifier_end_headers = dkimmod_verifier_end_headers,
  .verifier_key_query_count = dkimmod_verifier_key_query_count,
  .verifier_key_query_name = dkimmod_verifier_key_query_name,
  .verifier_key_query_answered = dkimmod_verifier_key_query_answered,
  .verifier_key_answer = dkimmod_verifier_key_answer,
  .verifier_answer_from_key_file = dkimmod_verifier_answer_from_key_file,
  .verifier_add_body = dkimmod_verifier_add_body,
  .verifier_finish = dkimmod_verifier_finish,
  .verifier_result_count = dkimmod_verifier_result_count,
  .verifier_result = dkimmod_verifier_result,
  .verifier_summary = dkimmod_verifier_summary,
  .verifier_resinfo = dkimmod_verifier_resinfo,
  .verifier_authres = dkimmod_verifier_authres,
  .verifier_free = dkimmod_verifier_free,
  .authres_is_ours = dkimmod_authres_is_ours,
  .authres_format = dkimmod_authres_format,
  .authres_resinfo = dkimmod_authres_resinfo,
  .key_file_load = dkimmod_key_file_load,
  .key_file_parse = dkimmod_key_file_parse,
  .key_file_lookup = dkimmod_key_file_lookup,
  .key_file_free = dkimmod_key_file_free,
  .resolver_new = dkimmod_resolver_new,
  .resolver_free = dkimmod_resolver_free,
  .verifier_lookup_keys = dkimmod_verifier_lookup_keys,
  .resolver_query_txt = dkimmod_resolver_query_txt,
  /* abi_minor 2: every other public function, and the log function */
  .algorithm_name = dkimmod_algorithm_name,
  .algorithm_from_name = dkimmod_algorithm_from_name,
  .canon_from_name = dkimmod_canon_from_name,
  .context_now = dkimmod_context_now,
  .context_set_log = dkimmod_context_set_log,
  .key_ref = dkimmod_key_ref,
  .key_algorithm = dkimmod_key_algorithm,
  .key_bits = dkimmod_key_bits,
  /* abi_minor 3: DNS question sets, the DNS file */
  .dns_queries_new = dkimmod_dns_queries_new,
  .dns_queries_free = dkimmod_dns_queries_free,
  .dns_queries_count = dkimmod_dns_queries_count,
  .dns_queries_name = dkimmod_dns_queries_name,
  .dns_queries_type = dkimmod_dns_queries_type,
  .dns_queries_answered = dkimmod_dns_queries_answered,
  .dns_queries_open_count = dkimmod_dns_queries_open_count,
  .dns_queries_answer = dkimmod_dns_queries_answer,
  .dns_type_name = dkimmod_dns_type_name,
  .resolver_resolve = dkimmod_resolver_resolve,
  .dns_file_load = dkimmod_dns_file_load,
  .dns_file_parse = dkimmod_dns_file_parse,
  .dns_file_answer = dkimmod_dns_file_answer,
  .dns_file_free = dkimmod_dns_file_free,
  .spf_result_name = dkimmod_spf_result_name,
  .spf_options_init = dkimmod_spf_options_init,
  .spf_new = dkimmod_spf_new,
  .spf_check_mail_from = dkimmod_spf_check_mail_from,
  .spf_check_helo = dkimmod_spf_check_helo,
  .spf_step = dkimmod_spf_step,
  .spf_result = dkimmod_spf_result,
  .spf_resinfo = dkimmod_spf_resinfo,
  .spf_free = dkimmod_spf_free,
  /* abi_minor 3: ARC verification */
  .arc_verifier_new = dkimmod_arc_verifier_new,
  .arc_verifier_add_header = dkimmod_arc_verifier_add_header,
  .arc_verifier_end_headers = dkimmod_arc_verifier_end_headers,
  .arc_verifier_queries = dkimmod_arc_verifier_queries,
  .arc_verifier_add_body = dkimmod_arc_verifier_add_body,
  .arc_verifier_finish = dkimmod_arc_verifier_finish,
  .arc_verifier_step = dkimmod_arc_verifier_step,
  .arc_verifier_result = dkimmod_arc_verifier_result,
  .arc_verifier_free = dkimmod_arc_verifier_free,
  .arc_resinfo = dkimmod_arc_resinfo,
  /* abi_minor 3 (continued): DMARC names and the message aggregate */
  .dmarc_result_name = dkimmod_dmarc_result_name,
  .dmarc_policy_name = dkimmod_dmarc_policy_name,
  .dmarc_override_name = dkimmod_dmarc_override_name,
  .auth_options_init = dkimmod_auth_options_init,
  .auth_new = dkimmod_auth_new,
  .auth_free = dkimmod_auth_free,
  .auth_set_envelope = dkimmod_auth_set_envelope,
  .auth_add_header = dkimmod_auth_add_header,
  .auth_end_headers = dkimmod_auth_end_headers,
  .auth_add_body = dkimmod_auth_add_body,
  .auth_queries = dkimmod_auth_queries,
  .auth_step = dkimmod_auth_step,
  .auth_finish = dkimmod_auth_finish,
  .auth_dkim = dkimmod_auth_dkim,
  .auth_dmarc = dkimmod_auth_dmarc,
  .auth_resinfo_count = dkimmod_auth_resinfo_count,
  .auth_resinfo = dkimmod_auth_resinfo,
  .auth_authres = dkimmod_auth_authres,
  .auth_spf = dkimmod_auth_spf,
};

/**
 * dkimmod_plugin_v1:
 *
 * Returns: (transfer none): the function table, valid while the library
 *   is loaded.
 */
const DkimmodPluginV1 *
dkimmod_plugin_v1 (void)
{
  return &plugin_v1;
}
