/* jobs.c -- worker processes (see jobs.h).
 *
 * Each child gets a pipe of its own, closed on exec and in every other
 * child; a failing child writes its err (a plain struct, smaller than
 * PIPE_BUF, so one write() is atomic) and exits 1.  The parent reads the
 * pipe after reaping the child: the bytes wait in the pipe.
 */
#define _GNU_SOURCE /* pipe2 */
#include "jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slot {
    pid_t pid;      /* 0: free */
    int fd;         /* read end of the child's pipe */
    void *arg;
} slot;

struct jobs {
    slot *v;
    int max, running;
};

jobs *jobs_create(int max, err *e)
{
    jobs *j = calloc(1, sizeof *j);
    if (j && max > 0)
        j->v = calloc((size_t)max, sizeof *j->v);
    if (!j || !j->v) {
        free(j);
        err_set(e, ERR_NOMEM, NULL, 0, 0, "out of memory");
        return NULL;
    }
    j->max = max;
    return j;
}

int jobs_running(const jobs *j)
{
    return j->running;
}

int jobs_full(const jobs *j)
{
    return j->running >= j->max;
}

int jobs_start(jobs *j, jobs_fn fn, void *arg, err *e)
{
    slot *s = NULL;
    for (int i = 0; i < j->max && !s; i++)
        if (!j->v[i].pid)
            s = &j->v[i];
    if (!s) {
        err_set(e, ERR_INTERNAL, NULL, 0, 0, "jobs: all %d workers are busy", j->max);
        return -1;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "cannot start a worker: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        err_set(e, ERR_NOMEM, NULL, 0, 0, "cannot start a worker: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        /* A worker dies with its parent (killed by cron's timeout, by
         * systemd): nobody would assemble what it speaks. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        close(fds[0]);
        err ce = {0};
        int ok = fn(arg, &ce) == 0;
        if (!ok && write(fds[1], &ce, sizeof ce) != (ssize_t)sizeof ce) {
            /* The parent reports a failure without its message. */
        }
        /* _exit: no atexit handlers, no stdio buffers of the parent's. */
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    *s = (slot){pid, fds[0], arg};
    j->running++;
    return 0;
}

int jobs_wait(jobs *j, void **arg, err *e)
{
    *arg = NULL;
    if (!j->running)
        return -1;
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0)
            return -1;
        slot *s = NULL;
        for (int i = 0; i < j->max && !s; i++)
            if (j->v[i].pid == pid)
                s = &j->v[i];
        if (!s)
            continue; /* not ours (a child of a library) */
        *arg = s->arg;
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!ok) {
            err ce;
            ssize_t n = read(s->fd, &ce, sizeof ce);
            if (n == (ssize_t)sizeof ce && ce.cat != ERR_NONE) {
                ce.file[sizeof ce.file - 1] = '\0';
                ce.msg[sizeof ce.msg - 1] = '\0';
                *e = ce;
            } else if (WIFSIGNALED(st)) {
                err_set(e, ERR_INTERNAL, NULL, 0, 0, "a worker process died: %s",
                        strsignal(WTERMSIG(st)));
            } else {
                err_set(e, ERR_INTERNAL, NULL, 0, 0, "a worker process failed (exit %d)",
                        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            }
        }
        close(s->fd);
        memset(s, 0, sizeof *s);
        j->running--;
        return ok;
    }
}

void jobs_free(jobs *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->max; i++)
        if (j->v[i].pid) {
            kill(j->v[i].pid, SIGTERM);
            waitpid(j->v[i].pid, NULL, 0);
            close(j->v[i].fd);
        }
    free(j->v);
    free(j);
}
