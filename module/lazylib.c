/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	lazylib.c - a shared library opened with dlopen at its first use
 * SYNOPSIS
 *	private: dkimmod_lazylib_open
 * DESCRIPTION
 *	libpsl (RFC 7489 DMARC, dmarc.c) and libidn2 (IDN sender domains,
 *	config/config-idna.c) serve few messages, yet linked they cost every
 *	dkimmod-spawn process their loading and relocation: with libunistring,
 *	which both need, about 570 symbol lookups under Debian's BIND_NOW and
 *	20 page faults, a tenth of a verifying connection (docs/benchmarks.md).
 *	Opened here at the first call that needs them, a connection that
 *	never does pays nothing. The static helper build links them instead
 *	(-Dstatic_helper=true: no dlopen from a static binary).
 *
 *	The library is looked up by its SONAME, so the ABI is the one the
 *	headers were compiled against; a package depends on it by name, since
 *	dpkg-shlibdeps cannot see a dlopen (debian/control).
 * SECURITY
 *	The SONAME is a constant: no path from configuration or mail. RTLD_LOCAL
 *	keeps the library's symbols out of the host's namespace.
 * NEVER
 *	Close the handle (the addresses stay in use), or report a library
 *	that is missing a function as usable.
 */
#include "lazylib-private.h"

#include <dlfcn.h>

gboolean
dkimmod_lazylib_open (DkimmodLazyLib *lib)
{
  if (g_once_init_enter (&lib->once))
    {
      void *h = dlopen (lib->soname, RTLD_NOW | RTLD_LOCAL);
      gboolean ok = h != NULL;

      for (gsize i = 0; ok && lib->names[i] != NULL; i++)
        {
          /* POSIX: a function's address converts through void * */
          void *sym = dlsym (h, lib->names[i]);

          ok = sym != NULL;
          lib->fns[i] = (void (*) (void)) sym;
        }
      lib->ok = ok;
      g_once_init_leave (&lib->once, 1);
    }
  return lib->ok;
}
