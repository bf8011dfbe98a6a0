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
 *	how many a given library has.
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
