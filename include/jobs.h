/* jobs.h -- worker processes.
 *
 * espeak-ng keeps process-wide state, so parallel synthesis means
 * processes, not threads.  A job is a function run in a child made by
 * fork(): it sees the parent's memory as it was at the fork (the loaded
 * lexicon, the prepared tokens) and reports back only success, or the err
 * it failed with, through a pipe.  The parent is never blocked by a job
 * except in jobs_wait().
 */
#ifndef JOBS_H
#define JOBS_H

#include "err.h"

typedef struct jobs jobs;

/* Runs in the child: 0, or -1 with 'e' set. */
typedef int (*jobs_fn)(void *arg, err *e);

/* A pool of at most 'max' processes at once.  NULL with 'e' set
 * (ERR_NOMEM).  Release with jobs_free(). */
jobs *jobs_create(int max, err *e);

/* How many jobs run now, and whether another may start. */
int jobs_running(const jobs *j);
int jobs_full(const jobs *j);

/* Starts fn(arg) in a new process; 'arg' is handed back by jobs_wait().
 * stdio buffers are flushed first, so nothing is written twice.  0, or -1
 * with 'e' set (ERR_NOMEM: no process could be made; try again after a
 * job ends). */
int jobs_start(jobs *j, jobs_fn fn, void *arg, err *e);

/* Waits until a job ends and sets *arg to its argument.  Returns 1 when it
 * succeeded, 0 when it failed ('e' then holds its error; a job that died
 * by a signal is ERR_INTERNAL naming it), -1 when no job is running. */
int jobs_wait(jobs *j, void **arg, err *e);

/* Kills (SIGTERM) and reaps the jobs still running, and releases 'j'.
 * Accepts NULL. */
void jobs_free(jobs *j);

#endif
