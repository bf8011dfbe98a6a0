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
#include "filewatch.h"
#include "nexthop-cache.h"
#include "pipeline.h"
#include "smtp-io.h"
#include "verifyjob.h"
#include "xforward.h"

G_BEGIN_DECLS

/* sysexits(3) values the helper exits with. */
#define DKIMMOD_EXIT_OK        0
#define DKIMMOD_EXIT_USAGE     64
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
  DkimmodFileWatch *key_watch; /* serve mode: records the key files signing reads */
  gboolean (*stopping) (void); /* serve mode: the listener is draining (NULL: never) */
  guint64 headroom;           /* bytes we may add to a message (headroom.c) */
  guint64 size_limit;         /* bytes per message we accept */
  /* transaction state: reset after DATA, RSET, HELO/EHLO */
  gboolean in_mail;
  guint rcpt_ok;
  char *envelope;             /* MAIL FROM address */
  DkimmodXforward xforward;   /* what the client's XFORWARD said (IDENT for
                               * logs, NAME and ADDR without it, ADDR and
                               * HELO for SPF) */
  guint next_xforward;        /* attributes the next hop announced (xforward.h) */
  guint next_ext;             /* DKIMMOD_EXT_* the next hop announced to this
                               * session's EHLO (nexthop.h) */
  DkimmodPipeline held;       /* XFORWARD and MAIL answered here, sent with the
                               * next exchange (pipeline.c) */
  char *txn_refusal;          /* the next hop refused a held command: the
                               * answer to every RCPT until the transaction ends */
  /* serve mode's next-hop connection cache (nexthop-cache.c) */
  gboolean next_reused;       /* in: it came from the cache and has not answered yet */
  gboolean (*redial) (gpointer data, GError **error); /* in: a new connection in
                               * sess->next when a reused one turns out closed */
  gpointer redial_data;
  DkimmodNexthopState *next_state; /* serve mode: the connection's EHLO and its
                               * reply (connection.c owns it, and can keep the
                               * connection afterwards); NULL in spawn mode */
  gboolean ehlo_from_cache;   /* this session's EHLO was answered from next_state */
  gboolean next_dirty;        /* the next hop holds MAIL, RCPT or XFORWARD state */
  gboolean next_kept;         /* out: the session left the connection clean */
} DkimmodSession;

/* The reply class one next-hop exchange expects, as Postfix's
 * smtpd_proxy.c has SMTPD_PROX_WANT_OK and SMTPD_PROX_WANT_MORE: a 4xx or
 * 5xx is always a valid answer, any other class than the one wanted means
 * the next hop's state is unknown (a broken or desynchronised server). */
typedef enum {
  DKIMMOD_WANT_ANY = 0,       /* QUIT: whatever it says, we are done */
  DKIMMOD_WANT_OK = 2,        /* commands, end of data */
  DKIMMOD_WANT_MORE = 3,      /* DATA */
} DkimmodWant;

/* One next-hop reply, and what the client gets for it. */
typedef struct {
  int code;                   /* three-digit code of TEXT */
  GString *text;              /* every line with its CRLF: the next hop's reply
                               * verbatim, or our own replacement */
  gboolean closing;           /* the session ends once TEXT is sent: the next
                               * hop said 421, or its reply was unexpected */
} DkimmodReply;

DkimmodReply *dkimmod_reply_new (void);
void dkimmod_reply_free (DkimmodReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodReply, dkimmod_reply_free)
/* Replaces REPLY's text with our own one-line TEXT ("ddd x.y.z ..."). */
void dkimmod_reply_set (DkimmodReply *reply, const char *text);

/* Greets the client (the next hop is already connected) and serves
 * commands until QUIT or EOF. Returns the process exit status. */
int dkimmod_session_run (DkimmodSession *sess);
void dkimmod_session_reset (DkimmodSession *sess);
/* Exit path for fatal I/O: 421 to the client when possible, log, status. */
int dkimmod_session_abort (DkimmodSession *sess, GError *error, const char *where);
/* Relays LINE to the next hop and reads its reply into REPLY. A reply of
 * an unexpected class (not WANT, not 4xx/5xx) is logged and replaced by
 * "451 4.3.0" with REPLY->closing set. FALSE only for I/O errors. */
gboolean dkimmod_session_relay (DkimmodSession *sess, const char *line, DkimmodWant want,
                                DkimmodReply *reply, GError **error);
/* Reads the next hop's reply to something already sent (end of data);
 * the same checks as dkimmod_session_relay. WHAT names it in the log. */
gboolean dkimmod_session_read_reply (DkimmodSession *sess, const char *what, DkimmodWant want,
                                     DkimmodReply *reply, GError **error);
/* The queue id for log lines ("NOQUEUE" without XFORWARD IDENT). */
const char *dkimmod_session_queue_id (const DkimmodSession *sess);
/* "name[addr]" from XFORWARD NAME and ADDR for log lines, or NULL when
 * neither was sent (transfer full). */
char *dkimmod_session_peer (const DkimmodSession *sess);

/* DATA: receive, sign or verify, forward, reply. FALSE when the session must end
 * (*status then holds the exit status). data.c */
gboolean dkimmod_session_data (DkimmodSession *sess, int *status);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SESSION_H */
