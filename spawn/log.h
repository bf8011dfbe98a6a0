/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	log.h - dkimmod-spawn logging: syslog, or Postfix's postlog socket
 */
#ifndef DKIMMOD_SPAWN_LOG_H
#define DKIMMOD_SPAWN_LOG_H

#include <glib.h>
#include <syslog.h>

G_BEGIN_DECLS

/* Longest piece of wire text put into one log line. */
#define DKIMMOD_LOG_TEXT_MAX 200u

/* Chooses the destination: POSTLOG_PATH when given (a unix-dgram socket
 * speaking Postfix's postlog protocol), else syslog when /dev/log exists,
 * else ./public/postlog when spawn's cwd (the queue directory) has it, else
 * syslog anyway. May be called again to change it. Also routes GLib's log messages here. */
void dkimmod_log_open (const char *ident, const char *facility, const char *postlog_path);
/* Changes ident and facility once the configuration is known. */
void dkimmod_log_reopen (const char *ident, const char *facility);
void dkimmod_log (int priority, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* Printable ASCII copy of TEXT (others as '?'), at most MAXLEN bytes, with
 * "..." when cut (transfer full). */
char *dkimmod_log_sanitize (const char *text, gsize len, gsize maxlen);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_LOG_H */
