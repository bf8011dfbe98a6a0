/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	rusage-exec.c - run a program and log its own resource usage
 * SYNOPSIS
 *	rusage-exec LOGFILE PROGRAM [ARG]...
 * DESCRIPTION
 *	A measurement wrapper for the end-to-end benchmark (bench-e2e.py): put
 *	in front of dkimmod-spawn in a spawn(8) argv, it forks, the child
 *	execs PROGRAM with the same descriptors (the SMTP connection on 0 and
 *	1) and environment, and when the child exits one line is appended to
 *	LOGFILE: user and system CPU in microseconds, peak RSS in KiB, minor
 *	and major page faults, voluntary and involuntary context switches,
 *	and the wall time from fork to exit, all from wait4(2) for that child
 *	only. So the filter's own cost is measured per process, exactly, and
 *	separately from what spawn(8) and this wrapper spend. A measurement
 *	program, not part of dkimmod.
 * DIAGNOSTICS
 *	Exits with the child's status (128 + signal when killed); 111 when the
 *	fork or exec fails.
 * NEVER
 *	Change what the child sees: no descriptor, argument or variable is
 *	added or removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
usec (struct timeval tv)
{
  return (long long) tv.tv_sec * 1000000 + tv.tv_usec;
}

int
main (int argc, char **argv)
{
  struct timespec t0, t1;
  struct rusage ru;
  char line[256];
  pid_t pid;
  int status, fd, n;

  if (argc < 3)
    return 111;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  pid = fork ();
  if (pid < 0)
    return 111;
  if (pid == 0)
    {
      execv (argv[2], argv + 2);
      _exit (111);
    }
  /* The connection (spawn(8) puts it on 0, 1 and 2) belongs to the child
   * alone: our copies must not keep it open after the child closes it. */
  close (0);
  close (1);
  close (2);
  while (wait4 (pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      return 111;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  n = snprintf (line, sizeof line, "utime_us=%lld stime_us=%lld maxrss_kib=%ld minflt=%ld "
                "majflt=%ld nvcsw=%ld nivcsw=%ld wall_us=%lld\n",
                usec (ru.ru_utime), usec (ru.ru_stime), ru.ru_maxrss, ru.ru_minflt,
                ru.ru_majflt, ru.ru_nvcsw, ru.ru_nivcsw,
                (long long) (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
  fd = open (argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd >= 0)
    {
      if (write (fd, line, (size_t) n) != n)
        n = 0;
      close (fd);
    }
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return WEXITSTATUS (status);
}
