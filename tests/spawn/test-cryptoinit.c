/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-cryptoinit.c - the helper's OpenSSL start-up (spawn/cryptoinit.c)
 * DESCRIPTION
 *	Each case runs in a subprocess of its own, since OpenSSL is
 *	initialised once per process:
 *	/cryptoinit/none: without a configuration file the process DRBGs are
 *	HASH-DRBG over SHA-256, SHA-256 and RSA/Ed25519 are still fetched by
 *	their provider names, and an RSA key still signs (blinding on is
 *	OpenSSL's default; nothing here turns it off);
 *	/cryptoinit/system: with openssl_config = system the DRBG is left to
 *	OpenSSL (CTR-DRBG by default, or whatever the file says);
 *	/cryptoinit/missing: a named file that does not exist is an error
 *	that names the setting and the file.
 */
#include <string.h>

#include <glib.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cryptoinit.h"

/* drbg_name - the algorithm of the process's private DRBG */
static const char *
drbg_name (void)
{
  EVP_RAND_CTX *ctx = RAND_get0_private (NULL);

  g_assert_nonnull (ctx);
  return EVP_RAND_get0_name (EVP_RAND_CTX_get0_rand (ctx));
}

static void
test_none (void)
{
  g_autoptr (GError) error = NULL;
  char digest[32] = "";
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_DRBG_PARAM_DIGEST, digest, sizeof digest),
    OSSL_PARAM_construct_end (),
  };
  EVP_MD *md;
  EVP_PKEY *ed = NULL;
  EVP_PKEY_CTX *gen;

  if (g_test_subprocess ())
    {
      g_unsetenv ("OPENSSL_CONF");
      g_assert_true (dkimmod_spawn_init_crypto (NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (drbg_name (), ==, "HASH-DRBG");
      g_assert_cmpint (EVP_RAND_CTX_get_params (RAND_get0_private (NULL), params), ==, 1);
      g_assert_cmpstr (digest, ==, "SHA2-256");  /* the provider's canonical name */
      md = EVP_MD_fetch (NULL, "SHA256", NULL);
      g_assert_nonnull (md);
      EVP_MD_free (md);
      gen = EVP_PKEY_CTX_new_from_name (NULL, "ED25519", NULL);
      g_assert_nonnull (gen);
      g_assert_cmpint (EVP_PKEY_keygen_init (gen), ==, 1);
      g_assert_cmpint (EVP_PKEY_keygen (gen, &ed), ==, 1);
      EVP_PKEY_free (ed);
      EVP_PKEY_CTX_free (gen);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_system (void)
{
  g_autoptr (GError) error = NULL;

  if (g_test_subprocess ())
    {
      g_unsetenv ("OPENSSL_CONF");
      g_assert_true (dkimmod_spawn_init_crypto ("system", &error));
      g_assert_no_error (error);
      g_assert_cmpstr (drbg_name (), !=, "HASH-DRBG");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_missing (void)
{
  g_autoptr (GError) error = NULL;

  if (g_test_subprocess ())
    {
      g_unsetenv ("OPENSSL_CONF");
      g_assert_false (dkimmod_spawn_init_crypto ("/nonexistent/openssl.cnf", &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message,
                                "cannot load spawn.openssl_config /nonexistent/openssl.cnf"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cryptoinit/none", test_none);
  g_test_add_func ("/cryptoinit/system", test_system);
  g_test_add_func ("/cryptoinit/missing", test_missing);
  return g_test_run ();
}
