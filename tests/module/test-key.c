/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test-key.c - private key loading, checks, cache and DNS records
 */
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-util.h"
#include "context-private.h"
#include "key-private.h"

typedef struct {
  char *dir;
  DkimmodContext *ctx;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("dkimmod-test-key-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->ctx = dkimmod_context_new ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  dkimmod_context_unref (f->ctx);
  test_rmdir (f->dir);
  g_free (f->dir);
}

typedef struct {
  const char *file;
  DkimmodAlgorithm alg;
  unsigned bits;
} KeyCase;

static const KeyCase good_keys[] = {
  { "rsa2048.pem", DKIMMOD_ALG_RSA_SHA256, 2048 },         /* PKCS#8 */
  { "rsa2048-pkcs1.pem", DKIMMOD_ALG_RSA_SHA256, 2048 },   /* PKCS#1 */
  { "rsa1024-pkcs1.pem", DKIMMOD_ALG_RSA_SHA256, 1024 },   /* the RFC 8301 minimum */
  { "ed25519.pem", DKIMMOD_ALG_ED25519_SHA256, 256 },      /* PKCS#8 */
  { "rfc8463-rsa.pem", DKIMMOD_ALG_RSA_SHA256, 1024 },
  { "rfc8463-ed25519.pem", DKIMMOD_ALG_ED25519_SHA256, 256 },
};

static void
test_load_formats (Fixture *f, gconstpointer data)
{
  for (gsize i = 0; i < G_N_ELEMENTS (good_keys); i++)
    {
      g_autofree char *path = test_key_copy (f->dir, good_keys[i].file, 0600);
      DkimmodError err;
      g_autoptr (DkimmodKey) key = dkimmod_key_load_file (f->ctx, path, 0, &err);

      g_test_message ("%s", good_keys[i].file);
      g_assert_nonnull (key);
      g_assert_cmpint (err.code, ==, DKIMMOD_OK);
      g_assert_cmpint (dkimmod_key_algorithm (key), ==, good_keys[i].alg);
      g_assert_cmpuint (dkimmod_key_bits (key), ==, good_keys[i].bits);
    }
}

static void
test_rsa_too_small (Fixture *f, gconstpointer data)
{
  g_autofree char *path = test_key_copy (f->dir, "rsa512.pem", 0600);
  DkimmodError err;
  DkimmodKey *key = dkimmod_key_load_file (f->ctx, path, 0, &err);

  g_assert_null (key);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_assert_nonnull (strstr (err.message, "RSA key of 512 bits is too small: RFC 8301 requires at "
                                         "least 1024 (2048 recommended)"));
  g_assert_nonnull (strstr (err.message, path));
  g_assert_cmpuint (dkimmod_context_key_cache_size (f->ctx), ==, 0);
}

static void
test_rsa_too_large (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) pem = test_data_read ("rsa8200.pem");
  DkimmodError err;
  DkimmodKey *key = dkimmod_key_load_pem (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), &err);

  g_assert_null (key);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_assert_nonnull (strstr (err.message, "8200 bits is too large"));
}

static void
test_refused_types (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *file, *words;
  } cases[] = {
    { "ec-p256.pem", "unsupported key type" },
    { "rsa1024-encrypted.pem", "encrypted" },
    { "rfc8463-signed.eml", "no PEM private key" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) pem = test_data_read (cases[i].file);
      DkimmodError err;
      DkimmodKey *key = dkimmod_key_load_pem (g_bytes_get_data (pem, NULL), g_bytes_get_size (pem), &err);

      g_test_message ("%s: %s", cases[i].file, err.message);
      g_assert_null (key);
      g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
      g_assert_nonnull (strstr (err.message, cases[i].words));
    }
}

/* load_as - in a child running as UID with group GID only, loads PATH
 * with FLAGS; 0 when the outcome matches: accepted when WANT is NULL,
 * else refused with every ";"-separated part of WANT in the message
 * (messages on stderr otherwise) */
static int
load_as (uid_t uid, gid_t gid, const char *path, unsigned flags, const char *want)
{
  pid_t pid = fork ();
  int status = 0;

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (DkimmodKey) key = NULL;
      int bad = 0;

      if (setgroups (1, &gid) != 0 || setgid (gid) != 0 || setuid (uid) != 0)
        _exit (3);
      key = dkimmod_key_read_file (path, flags, &error);
      if ((key != NULL) != (want == NULL))
        {
          fprintf (stderr, "%s as %lu: %s\n", path, (unsigned long) uid,
                   error ? error->message : "accepted");
          bad = 1;
        }
      if (error && want)
        {
          g_auto (GStrv) parts = g_strsplit (want, ";", -1);

          for (guint i = 0; parts[i]; i++)
            if (strstr (error->message, parts[i]) == NULL)
              {
                fprintf (stderr, "%s as %lu: no \"%s\" in: %s\n", path, (unsigned long) uid,
                         parts[i], error->message);
                bad = 1;
              }
        }
      _exit (bad);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

#define OTHER_UID 12345 /* another account */
#define SELF_UID 12346  /* the filter's user */
#define SELF_GID 12347  /* the filter's group */
#define OTHER_GID 12348 /* a group the filter is not in */

/* Others get nothing; group bits are fine for the process's own group
 * (no flag needed: root:dkimmod 0440 is a normal container mount), and
 * only read by a foreign group, only with the flag. */
static void
test_mode (Fixture *f, gconstpointer data)
{
  g_autofree char *grp = test_key_copy (f->dir, "ed25519.pem", 0640);
  g_autofree char *oth = test_key_copy (f->dir, "rsa2048.pem", 0604);
  g_autofree char *cmd = g_strdup_printf ("chmod 600 %s", grp);
  DkimmodError err;
  DkimmodKey *key;

  /* our own group may read: accepted without the flag */
  key = dkimmod_key_load_file (f->ctx, grp, 0, &err);
  g_assert_nonnull (key);
  dkimmod_key_unref (key);
  /* readable by others: refused even with the flag */
  key = dkimmod_key_load_file (f->ctx, oth, DKIMMOD_KEY_ALLOW_GROUP_READABLE, &err);
  g_assert_null (key);
  g_assert_nonnull (strstr (err.message, "accessible by others"));
  if (geteuid () != 0)
    {
      g_test_message ("foreign-group cases need root (chgrp)");
      return;
    }
  g_assert_cmpint (chown (grp, 0, OTHER_GID), ==, 0);
  dkimmod_context_unref (f->ctx);
  f->ctx = dkimmod_context_new ();
  /* a foreign group may read: refused, naming the group, with the fix */
  key = dkimmod_key_load_file (f->ctx, grp, 0, &err);
  g_assert_null (key);
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_test_message ("%s", err.message);
  g_assert_nonnull (strstr (err.message, cmd));
  g_assert_nonnull (strstr (err.message, "accessible by its group gid 12348"));
  /* ...unless the caller allows it */
  key = dkimmod_key_load_file (f->ctx, grp, DKIMMOD_KEY_ALLOW_GROUP_READABLE, &err);
  g_assert_nonnull (key);
  dkimmod_key_unref (key);
  /* a stricter caller of the cached key still gets the check */
  key = dkimmod_key_load_file (f->ctx, grp, 0, &err);
  g_assert_null (key);
  g_assert_nonnull (strstr (err.message, "chmod 600"));
  /* a foreign group that may write: refused even with the flag */
  g_assert_cmpint (chmod (grp, 0660), ==, 0);
  g_assert_cmpint (load_as (0, 0, grp, DKIMMOD_KEY_ALLOW_GROUP_READABLE, "g-w"), ==, 0);
}

/* Keys owned by another account are refused, naming path, owner and mode;
 * root's 0640 and 0440 keys in the process's group and the process's own
 * 0600 keys are accepted (the filter runs as the dkimmod user:
 * dkimmod-spawn(8)); a key the process cannot read names the component. */
static void
test_owner (Fixture *f, gconstpointer data)
{
  g_autofree char *theirs = test_key_copy (f->dir, "rsa2048.pem", 0600);
  g_autofree char *theirs_grp = test_key_copy (f->dir, "ed25519.pem", 0640);
  g_autofree char *rootgrp = test_key_copy (f->dir, "rsa2048-pkcs1.pem", 0640);
  g_autofree char *rootgrp_ro = test_key_copy (f->dir, "rsa1024-pkcs1.pem", 0440);
  g_autofree char *rootonly = test_key_copy (f->dir, "rfc8463-rsa.pem", 0400);
  g_autofree char *own = test_key_copy (f->dir, "rfc8463-ed25519.pem", 0600);
  g_autofree char *want = NULL;
  g_autoptr (GError) error = NULL;
  DkimmodKey *key;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root (chown to other uids)");
      return;
    }
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  g_assert_cmpint (chown (theirs, OTHER_UID, 0), ==, 0);
  g_assert_cmpint (chown (theirs_grp, OTHER_UID, SELF_GID), ==, 0);
  g_assert_cmpint (chown (rootgrp, 0, SELF_GID), ==, 0);
  g_assert_cmpint (chown (rootgrp_ro, 0, SELF_GID), ==, 0);
  g_assert_cmpint (chown (own, SELF_UID, SELF_GID), ==, 0);

  /* root: another uid's key is refused, with path, owner and mode */
  key = dkimmod_key_read_file (theirs, 0, &error);
  g_assert_null (key);
  g_assert_error (error, DKIMMOD_ERROR, DKIMMOD_E_KEY);
  want = g_strdup_printf ("private key %s is owned by uid 12345 (mode 0600), not by root", theirs);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, want));
  /* root is told to check as the key's user, not to chown it away */
  g_assert_nonnull (strstr (error->message, "check-config --user"));
  /* ...through the context too (the path dkimmod-spawn takes) */
  {
    DkimmodError err;

    g_assert_null (dkimmod_key_load_file (f->ctx, theirs, 0, &err));
    g_assert_nonnull (strstr (err.message, "owned by uid 12345"));
  }

  /* as uid 12346 in group 12347 only, without the flag */
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, own, 0, NULL), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, rootgrp, 0, NULL), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, rootgrp_ro, 0, NULL), ==, 0);
  /* another uid's key is refused even when the group may read it */
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, theirs_grp, DKIMMOD_KEY_ALLOW_GROUP_READABLE,
                            "owned by uid 12345"), ==, 0);
  /* root's 0400 key: trusted, but unreadable; the message says which
   * component refuses and how to fix it */
  g_free (want);
  want = g_strdup_printf ("cannot open private key %s: Permission denied: uid 12346 with gid "
                          "12347 may not read it (root:root 0400): `chgrp 12347` and `chmod g+r`",
                          rootonly);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, rootonly, 0, want), ==, 0);
}

/* mkdir_as - DIR/NAME with MODE and owner (transfer full path) */
static char *
mkdir_as (const char *dir, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  g_assert_cmpint (chown (path, uid, gid), ==, 0);
  g_assert_cmpint (chmod (path, mode), ==, 0);
  return path;
}

/* key_in - copies a key into DIR as ed25519.pem, root:GID MODE (transfer full) */
static char *
key_in (const char *dir, gid_t gid, mode_t mode)
{
  char *path = test_key_copy (dir, "ed25519.pem", (int) mode);

  g_assert_cmpint (chown (path, 0, gid), ==, 0);
  g_assert_cmpint (chmod (path, mode), ==, 0);
  return path;
}

/* A Kubernetes secret mount (fsGroup 12347, defaultMode 0440), as the
 * kubelet's atomic writer builds it: a sticky, group-owned volume root,
 * "key.pem -> ..data/ed25519.pem", "..data -> ..2026_12_02_10_00_00.123". */
static void
test_path_kubernetes (Fixture *f, gconstpointer data)
{
  g_autofree char *vol = NULL, *ts = NULL, *data_link = NULL, *key_link = NULL;
  g_autofree char *real = NULL, *abs_link = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root (chown to other uids)");
      return;
    }
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  vol = mkdir_as (f->dir, "secret", 03777, 0, SELF_GID);
  ts = mkdir_as (vol, "..2026_12_02_10_00_00.123", 02755, 0, SELF_GID);
  g_free (key_in (ts, SELF_GID, 0440));
  data_link = g_build_filename (vol, "..data", NULL);
  key_link = g_build_filename (vol, "key.pem", NULL);
  g_assert_cmpint (symlink ("..2026_12_02_10_00_00.123", data_link), ==, 0);
  g_assert_cmpint (symlink ("..data/ed25519.pem", key_link), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, key_link, 0, NULL), ==, 0);
  /* an absolute link to the chain, from a directory of root's */
  abs_link = g_build_filename (f->dir, "abs.pem", NULL);
  g_assert_cmpint (symlink (key_link, abs_link), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, abs_link, 0, NULL), ==, 0);
  /* the timestamped directory writable by its group, the filter's: accepted */
  g_assert_cmpint (chmod (ts, 02775), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, key_link, 0, NULL), ==, 0);
  /* ...but not for root, who is not in group 12347 */
  real = g_strdup_printf ("directory %s on its path is writable by group gid 12347;chmod g-w",
                          ts);
  g_assert_cmpint (load_as (0, 0, key_link, DKIMMOD_KEY_ALLOW_GROUP_READABLE, real), ==, 0);
  /* a symbolic link of the chain owned by another user, in the sticky
   * volume root where its owner may replace it: named */
  g_free (real);
  real = g_strdup_printf ("symbolic link %s on its path is owned by uid 12345", data_link);
  g_assert_cmpint (lchown (data_link, OTHER_UID, OTHER_GID), ==, 0);
  g_assert_cmpint (load_as (SELF_UID, SELF_GID, key_link, 0, real), ==, 0);
}

/* Every directory on the resolved path: owned by root or the filter's
 * user, not writable by others or a foreign group unless sticky. */
static void
test_path_directories (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *name;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    const char *want; /* NULL: accepted */
  } cases[] = {
    { "root-0755", 0755, 0, 0, NULL },
    { "self-0700", 0700, SELF_UID, SELF_GID, NULL },
    { "sticky-1777", 01777, 0, 0, NULL },
    { "own-group-0775", 0775, 0, SELF_GID, NULL },
    { "other-owner", 0755, OTHER_UID, OTHER_GID, "is owned by uid 12345;(mode 0755);chown root" },
    { "world-0777", 0777, 0, 0, "is writable by others (mode 0777);chmod o-w" },
    { "group-0775", 0775, 0, OTHER_GID, "is writable by group gid 12348 (mode 0775);chmod g-w" },
  };

  if (geteuid () != 0)
    {
      g_test_skip ("needs root (chown to other uids)");
      return;
    }
  g_assert_cmpint (chmod (f->dir, 0755), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = mkdir_as (f->dir, cases[i].name, cases[i].mode, cases[i].uid,
                                       cases[i].gid);
      g_autofree char *sub = mkdir_as (dir, "keys", 0750, 0, SELF_GID);
      g_autofree char *key = key_in (sub, SELF_GID, 0440);
      g_autofree char *via = g_build_filename (f->dir, "via", NULL);
      g_autofree char *link = g_build_filename (via, "key.pem", NULL);
      g_autofree char *want = cases[i].want
                                ? g_strdup_printf ("directory %s on its path;%s", dir, cases[i].want)
                                : NULL;

      g_test_message ("%s", cases[i].name);
      g_assert_cmpint (load_as (SELF_UID, SELF_GID, key, 0, want), ==, 0);
      /* the same through a symbolic link from a safe directory: the
       * resolved path is what counts */
      g_assert_cmpint (g_mkdir (via, 0755), ==, 0);
      g_assert_cmpint (symlink (key, link), ==, 0);
      g_assert_cmpint (load_as (SELF_UID, SELF_GID, link, 0, want), ==, 0);
      g_assert_cmpint (g_unlink (link), ==, 0);
      g_assert_cmpint (g_rmdir (via), ==, 0);
    }
}

static void
test_missing_and_large (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->dir, "nope.pem", NULL);
  g_autofree char *big = g_build_filename (f->dir, "big.pem", NULL);
  g_autofree char *junk = g_strnfill (70 * 1024, 'A');
  DkimmodError err;

  g_assert_null (dkimmod_key_load_file (f->ctx, missing, 0, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_assert_nonnull (strstr (err.message, "nope.pem"));
  g_assert_true (g_file_set_contents_full (big, junk, -1, G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_assert_null (dkimmod_key_load_file (f->ctx, big, 0, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_LIMIT);
  g_assert_null (dkimmod_key_load_file (f->ctx, f->dir, 0, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_KEY);
  g_assert_nonnull (strstr (err.message, "not a regular file"));
}

static void
test_cache (Fixture *f, gconstpointer data)
{
  g_autofree char *path = test_key_copy (f->dir, "rsa2048.pem", 0600);
  DkimmodError err;
  g_autoptr (DkimmodKey) a = dkimmod_key_load_file (f->ctx, path, 0, &err);
  g_autoptr (DkimmodKey) b = NULL;

  g_assert_nonnull (a);
  /* Parsed once: the file may even go away, the cache answers. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  b = dkimmod_key_load_file (f->ctx, path, 0, &err);
  g_assert_true (a == b);
  g_assert_cmpuint (dkimmod_context_key_cache_size (f->ctx), ==, 1);
}

static void
test_dns_record (Fixture *f, gconstpointer data)
{
  g_autoptr (DkimmodKey) ed = test_key_load ("rfc8463-ed25519.pem");
  g_autoptr (DkimmodKey) rsa = test_key_load ("rfc8463-rsa.pem");
  DkimmodError err;
  char *rec;

  /* RFC 8463 Appendix A.2 */
  rec = dkimmod_key_dns_record (ed, &err);
  g_assert_cmpstr (rec, ==, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  dkimmod_free (rec);
  rec = dkimmod_key_dns_record (rsa, &err);
  g_assert_cmpstr (rec, ==,
                   "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
                   "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
                   "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
                   "Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
  dkimmod_free (rec);
  g_assert_null (dkimmod_key_dns_record (NULL, &err));
  g_assert_cmpint (err.code, ==, DKIMMOD_E_INVAL);
}

typedef struct {
  DkimmodContext *ctx;
  const char *path;
  DkimmodKey *key;
} LoadJob;

/* load_many - thread body: loads one path repeatedly */
static gpointer
load_many (gpointer p)
{
  LoadJob *job = p;

  for (int i = 0; i < 200; i++)
    {
      DkimmodKey *k = dkimmod_key_load_file (job->ctx, job->path, 0, NULL);

      g_assert_nonnull (k);
      if (job->key == NULL)
        job->key = k;
      else
        {
          g_assert_true (k == job->key);
          dkimmod_key_unref (k);
        }
    }
  return NULL;
}

static void
test_threads_share_cache (Fixture *f, gconstpointer data)
{
  g_autofree char *path = test_key_copy (f->dir, "ed25519.pem", 0600);
  LoadJob jobs[4];
  GThread *t[4];

  for (int i = 0; i < 4; i++)
    {
      jobs[i] = (LoadJob) { f->ctx, path, NULL };
      t[i] = g_thread_new ("load", load_many, &jobs[i]);
    }
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
  /* concurrent first loads of one path end with one cached key */
  for (int i = 0; i < 4; i++)
    {
      g_assert_true (jobs[i].key == jobs[0].key);
      dkimmod_key_unref (jobs[i].key);
    }
  g_assert_cmpuint (dkimmod_context_key_cache_size (f->ctx), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/key/load/formats", Fixture, NULL, setup, test_load_formats, teardown);
  g_test_add ("/key/load/rsa-too-small", Fixture, NULL, setup, test_rsa_too_small, teardown);
  g_test_add ("/key/load/rsa-too-large", Fixture, NULL, setup, test_rsa_too_large, teardown);
  g_test_add ("/key/load/refused-types", Fixture, NULL, setup, test_refused_types, teardown);
  g_test_add ("/key/file/mode", Fixture, NULL, setup, test_mode, teardown);
  g_test_add ("/key/file/owner", Fixture, NULL, setup, test_owner, teardown);
  g_test_add ("/key/path/kubernetes", Fixture, NULL, setup, test_path_kubernetes, teardown);
  g_test_add ("/key/path/directories", Fixture, NULL, setup, test_path_directories, teardown);
  g_test_add ("/key/file/missing-and-large", Fixture, NULL, setup, test_missing_and_large, teardown);
  g_test_add ("/key/cache/parsed-once", Fixture, NULL, setup, test_cache, teardown);
  g_test_add ("/key/dns-record/rfc8463", Fixture, NULL, setup, test_dns_record, teardown);
  g_test_add ("/key/cache/threads", Fixture, NULL, setup, test_threads_share_cache, teardown);
  return g_test_run ();
}
