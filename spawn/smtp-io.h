/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	smtp-io.h - bounded, deadline-driven SMTP stream I/O (dkimmod-spawn)
 * DESCRIPTION
 *	One DkimmodStream per connection (client on fds 0/1, next hop on a
 *	socket). Reads are buffered; every read and write waits with poll(2)
 *	under a deadline. Output is batched in memory and leaves in one
 *	write(2) when flushed, which happens automatically before the stream
 *	has to wait for more input (so replies to a pipelined batch go out
 *	together) or when the buffer passes DKIMMOD_STREAM_WRITE_BATCH.
 */
#ifndef DKIMMOD_SPAWN_SMTP_IO_H
#define DKIMMOD_SPAWN_SMTP_IO_H

#include <glib.h>

G_BEGIN_DECLS

/* Input buffer size and the output size that triggers a write. */
#define DKIMMOD_STREAM_READ_BUFFER  (64u * 1024u)
#define DKIMMOD_STREAM_WRITE_BATCH  (64u * 1024u)
/* Longest SMTP command or reply line we keep (longer lines are skipped). */
#define DKIMMOD_SMTP_LINE_MAX       4096u

#define DKIMMOD_STREAM_ERROR (dkimmod_stream_error_quark ())
GQuark dkimmod_stream_error_quark (void);

typedef enum {
  DKIMMOD_STREAM_ERROR_EOF,       /* peer closed the connection */
  DKIMMOD_STREAM_ERROR_TIMEOUT,   /* deadline passed */
  DKIMMOD_STREAM_ERROR_IO,        /* read/write/poll failed */
} DkimmodStreamError;

typedef struct DkimmodStream DkimmodStream;

/* Flags from dkimmod_stream_read_line. */
#define DKIMMOD_LINE_TRUNCATED (1u << 0)  /* longer than MAXLEN: rest skipped */

DkimmodStream *dkimmod_stream_new (int read_fd, int write_fd, const char *name);
void dkimmod_stream_free (DkimmodStream *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodStream, dkimmod_stream_free)

const char *dkimmod_stream_name (const DkimmodStream *s);
void dkimmod_stream_set_timeout (DkimmodStream *s, guint seconds);
void dkimmod_stream_set_nodelay (DkimmodStream *s);

/* Reads one line ending in LF (CR before it removed) into LINE, at most
 * MAXLEN bytes kept; longer input is read and dropped up to the LF. The
 * whole line must arrive within the stream timeout. */
gboolean dkimmod_stream_read_line (DkimmodStream *s, GString *line, gsize maxlen, guint *flags,
                                   GError **error);
/* Buffered raw input: makes at least one byte available (waiting up to
 * the stream timeout), returns a pointer to what is buffered. */
const char *dkimmod_stream_peek (DkimmodStream *s, gsize *len, GError **error);
void dkimmod_stream_consume (DkimmodStream *s, gsize len);
/* TRUE once a read or write failed, timed out or met EOF. */
gboolean dkimmod_stream_broken (const DkimmodStream *s);
/* Marks the stream unusable (the peer broke the protocol). */
void dkimmod_stream_set_broken (DkimmodStream *s);
/* Bytes already buffered (0: a pipelined batch is fully read). */
gsize dkimmod_stream_pending (const DkimmodStream *s);

/* Queues output; writes when the queue reaches the batch size. */
gboolean dkimmod_stream_write (DkimmodStream *s, const void *data, gsize len, GError **error);
gboolean dkimmod_stream_printf (DkimmodStream *s, GError **error, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);
gboolean dkimmod_stream_flush (DkimmodStream *s, GError **error);
/* Number of write(2) calls so far (tests and measurements). */
guint64 dkimmod_stream_write_calls (const DkimmodStream *s);

G_END_DECLS

#endif /* DKIMMOD_SPAWN_SMTP_IO_H */
