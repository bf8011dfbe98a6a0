/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	lazylib-private.h - a shared library opened at its first use (lazylib.c)
 */
#ifndef DKIMMOD_LAZYLIB_PRIVATE_H
#define DKIMMOD_LAZYLIB_PRIVATE_H

#include <glib.h>

G_BEGIN_DECLS

/* One library whose functions are looked up by name the first time they
 * are wanted. Define it static, with SONAME, the NULL-terminated NAMES and
 * room for their addresses in FNS (as many as NAMES); the rest zero. */
typedef struct {
  const char *soname;          /* "libpsl.so.5" */
  const char *const *names;    /* function names, NULL-terminated */
  void (**fns) (void);         /* filled in NAMES' order */
  gsize once;                  /* g_once_init state */
  gboolean ok;                 /* every name was found */
} DkimmodLazyLib;

/* Opens LIB once per process (thread-safe) and looks up its functions;
 * TRUE when all were found. The handle is never closed. */
gboolean dkimmod_lazylib_open (DkimmodLazyLib *lib);

G_END_DECLS

#endif /* DKIMMOD_LAZYLIB_PRIVATE_H */
