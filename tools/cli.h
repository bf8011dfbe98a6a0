/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cli.h - shared helpers of the dkimmod command-line tool
 * DESCRIPTION
 *	Exit statuses (sysexits), diagnostics on stderr, whole-file I/O and
 *	the line-ending rules of "dkimmod sign" (see dkimmod(1), LINE ENDINGS).
 *	Only the tool includes this; the library never exits.
 */
#ifndef DKIMMOD_CLI_H
#define DKIMMOD_CLI_H

#include <glib.h>
#include <sys/types.h>
#include <sysexits.h>

#include "dkimmod.h"
#include "msgparse.h"

G_BEGIN_DECLS

/* The subcommands; each returns an exit status (EX_OK, EX_USAGE, ...). */
int dkimmod_cmd_sign (int argc, char **argv);
int dkimmod_cmd_keygen (int argc, char **argv);
int dkimmod_cmd_check_config (int argc, char **argv);
int dkimmod_cmd_verify (int argc, char **argv);
int dkimmod_cmd_testkey (int argc, char **argv);
int dkimmod_cmd_import (int argc, char **argv);

int dkimmod_cmd_rotate (int argc, char **argv);
int dkimmod_cmd_postfix_setup (int argc, char **argv);
int dkimmod_cmd_explain (int argc, char **argv);

/* check-config's check of PATH as whoever runs it: prints errors (stderr)
 * or the summary and warnings, returns an exit status; *CFG_OUT (may be
 * NULL) gets the configuration when it loaded. CHECK_BYPASS adds the
 * warnings of check-bypass.c for the Postfix of POSTFIX_DIR (NULL: of
 * MAIL_CONFIG, else the default one). */
struct DkimmodConfig;
int dkimmod_check_config_file (const char *path, gboolean dns, const char *nameserver,
                               gboolean check_bypass, const char *postfix_dir,
                               struct DkimmodConfig **cfg_out);

/* What "dkimmod keygen" does, for "dkimmod rotate": DIR/SELECTOR.key
 * (mode 0600, owned by OWNER:GROUP unless OWNER is (uid_t) -1, never
 * overwritten) and DIR/SELECTOR.txt; *ZONE_OUT gets the zone-file text of
 * the record (g_free). BITS 0 means 2048. An exit status. */
int dkimmod_cli_keygen (gboolean ed25519, guint bits, const char *domain, const char *selector,
                        const char *dir, uid_t owner, gid_t group, char **zone_out);

/* "dkimmod: " + message on stderr. */
void dkimmod_cli_warn (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* Maps a library fault to an exit status (a fault in the message is 65, a
 * missing file 66, a crypto failure 70, ...). */
int dkimmod_cli_status_exit (DkimmodStatus code);

/* Reads FD to end of file. NULL with ERROR set on a read error. */
GBytes *dkimmod_cli_read_fd (int fd, GError **error);
/* Writes all of DATA to FD, retrying short writes and EINTR. */
gboolean dkimmod_cli_write_all (int fd, const void *data, gsize len, GError **error);

/* TRUE when the first line of DATA does not end in CRLF: such a file is
 * "LF form" and our added lines end in LF too. */
gboolean dkimmod_cli_is_lf_form (const guint8 *data, gsize len);
/* DATA with every LF that is not preceded by CR turned into CRLF: the form
 * SMTP carries. Returns a new reference to DATA when nothing changes. */
GBytes *dkimmod_cli_to_crlf (GBytes *data);
/* TEXT (library output, CRLF lines) with each CRLF turned into LF, in place. */
gsize dkimmod_cli_crlf_to_lf (char *text, gsize len);

/* The header fields of MSG (CRLF form); *BODY_OFF is where the body
 * starts. NULL with a warning and *STATUS = 65 when over a limit. */
DkimmodMsgParser *dkimmod_cli_parse_header_block (GBytes *msg, gsize *body_off, int *status);

/* The address that selects the sender_map entry of CFG for the message
 * PARSER holds, as dkimmod-spawn chooses it (sender_source): GIVEN when
 * not NULL, else Sender then From, or From; NULL for the envelope source
 * without GIVEN, or no address (g_free). */
struct DkimmodConfig;
char *dkimmod_cli_config_sender (const struct DkimmodConfig *cfg, DkimmodMsgParser *parser,
                                 const char *given);
/* check-config's choice of the user to check as: SPEC, else the user= of
 * the master.cf spawn service running dkimmod-spawn -c PATH (postconf
 * [-c POSTFIX_DIR] -M); NULL when none (*WHY, nullable, says why). */
char *dkimmod_cli_filter_user (const char *spec, const char *postfix_dir, const char *path,
                               char **why);

/* Options shared by the subcommands' parsers. */
gboolean dkimmod_cli_parse_u64 (const char *text, guint64 min, guint64 max, guint64 *out);

G_END_DECLS

#endif /* DKIMMOD_CLI_H */
