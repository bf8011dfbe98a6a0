/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	session.h - one dkimmod-spawn SMTP session (client <-> next hop)
 */
#ifndef DKIMMOD_SPAWN_SESSION_H
#define DKIMMOD_SPAWN_SESSION_H

#include <glib.h>

#include "config-load.h"
#include "dkimmod.h"
#include "smtp-io.h"
#include "verifyjob.h"

G_BEGIN_DECLS

/* sysexits(3) values the helper exits with. */
#define DKIMMOD_EXIT_OK        0
#define DKIMMOD_EXIT_USAGE     64
#define DKIMMOD_EXIT_SOFTWARE  70
#define DKIMMOD_EXIT_TEMPFAIL  75

/* Ceiling on one message when neither message_size_max nor the next hop's
 * SIZE gives one (the spool file must stay bounded). */
#define DKIMMOD_SPAWN_MESSAGE_HARD_MAX (G_GUINT64_CONSTANT (1) << 31)

typedef struct {
  const DkimmodConfig *cfg;
  const DkimmodSpawnSettings *set;
  DkimmodContext *ctx;
  const DkimmodVerifyEnv *verify; /* verify mode; NULL when signing */
  DkimmodStream *client;
  DkimmodStream *next;
  const char *next_name;      /* next_hop as configured, for replies/logs */
  guint ext;                  /* next hop's extensions we pass on */
  guint64 size_limit;         /* bytes per message we accept */
  /* transaction state: reset after DATA, RSET, HELO/EHLO */
  gboolean in_mail;
  guint rcpt_ok;
  char *envelope;             /* MAIL FROM address */
  char *queue_id;             /* XFORWARD IDENT, for logs */
  char *client_name;          /* XFORWARD NAME and ADDR, for logs */
  char *client_addr;          /*   without IDENT (before-queue) */
  GString *reply;             /* scratch: last next-hop reply */
} DkimmodSession;

/* Greets the client (the next hop is already connected) and serves
 * commands until QUIT or EOF. Returns the process exit status. */
int dkimmod_session_run (DkimmodSession *sess);
void dkimmod_session_reset (DkimmodSession *sess);
/* Exit path for fatal I/O: 421 to the client when possible, log, status. */
int dkimmod_session_abort (DkimmodSession *sess, GError *error, const char *where);
/* Relays LINE to the next hop and reads its reply into sess->reply. */
gboolean dkimmod_session_relay (DkimmodSession *sess, const char *line, int *code,
                                GError **error);
/* The queue id for log lines ("NOQUEUE" without XFORWARD IDENT). */
const char *dkimmod_session_queue_id (const DkimmodSession *sess);

/* DATA: receive, sign or verify, forward, reply. FALSE when the session must end
 * (*status then holds the exit status). data.c */
gboolean dkimmod_session_data (DkimmodSession *sess, int *status);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SESSION_H */
