/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	postconf-util.h - Postfix's configuration through postconf(1) (postconf-util.c)
 */
#ifndef DKIMMOD_POSTCONF_UTIL_H
#define DKIMMOD_POSTCONF_UTIL_H

#include <glib.h>

G_BEGIN_DECLS

/* The fields of a master.cf entry, as master(5) numbers them. */
enum {
  DKIMMOD_MASTER_NAME, DKIMMOD_MASTER_TYPE, DKIMMOD_MASTER_PRIVATE, DKIMMOD_MASTER_UNPRIV,
  DKIMMOD_MASTER_CHROOT, DKIMMOD_MASTER_WAKEUP, DKIMMOD_MASTER_MAXPROC, DKIMMOD_MASTER_COMMAND
};

typedef struct {
  char **fields;  /* NAME TYPE ... COMMAND, then the arguments */
  guint nfields;
  char *line;     /* as postconf -M printed it */
} DkimmodMasterEntry;

/* Runs postconf [-c CONFIG_DIR] ARGS; its standard output, or NULL with
 * ERROR set (its standard error in the message) when it fails. */
char *dkimmod_postconf_run (const char *config_dir, const char *const *args, GError **error);
/* The entries of "postconf [-c CONFIG_DIR] -M" (DkimmodMasterEntry). */
GPtrArray *dkimmod_postconf_master (const char *config_dir, GError **error);
void dkimmod_master_entry_free (DkimmodMasterEntry *e);
/* The value of spawn(8) attribute NAME= of E ("argv": the program), or NULL. */
const char *dkimmod_master_entry_attr (const DkimmodMasterEntry *e, const char *name);
/* The fields from "argv=PROGRAM" on, or NULL. */
const char *const *dkimmod_master_entry_argv (const DkimmodMasterEntry *e);
/* E is a spawn entry whose argv= is dkimmod-spawn; *CONFIG gets its -c
 * argument (or NULL). */
gboolean dkimmod_master_entry_runs_spawn (const DkimmodMasterEntry *e, const char **config);
/* The user= of the spawn entry that runs dkimmod-spawn with -c CONFIG_PATH
 * (else of any dkimmod-spawn entry); *SERVICE gets "NAME/TYPE". NULL with
 * ERROR when there is none, or several with different users. */
char *dkimmod_master_find_spawn_user (GPtrArray *entries, const char *config_path,
                                      char **service, GError **error);

G_END_DECLS

#endif /* DKIMMOD_POSTCONF_UTIL_H */
