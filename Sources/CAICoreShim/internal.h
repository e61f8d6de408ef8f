// internal.h — helpers shared by the child-side files. Everything here is async-signal-safe:
// no malloc, no stdio, no locks; only raw syscalls and code on the caller's stack.
#ifndef AICORE_SHIM_INTERNAL_H
#define AICORE_SHIM_INTERNAL_H

#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

// Report a failure on the error pipe (best effort: a failed write cannot be reported anyway).
void aic_report(int error_fd, int stage, int err, int index);
// The same with what of the step failed (enum aic_error_detail).
void aic_report_detail(int error_fd, int stage, int err, int index, int detail);
// Report, then _exit(code). Never returns.
__attribute__((noreturn)) void aic_fail(int error_fd, int stage, int err, int index, int code);

size_t aic_strlen(const char *s);
// Appends s to buf (capacity cap, current length *len); returns -1 if it does not fit.
int aic_append(char *buf, size_t cap, size_t *len, const char *s);
int aic_append_u64(char *buf, size_t cap, size_t *len, uint64_t v);
int aic_append_i64(char *buf, size_t cap, size_t *len, int64_t v);
// RFC 3339 UTC with nanoseconds: 2026-11-25T16:00:00.123456789Z (30 chars).
int aic_append_timestamp(char *buf, size_t cap, size_t *len, int64_t sec, long nsec);
// write() all of it, retrying EINTR and short writes. Returns 0 or -errno.
int aic_write_all(int fd, const void *data, size_t len);

// One byte over a unix socket, with at most one descriptor (SCM_RIGHTS; fd < 0: none). Send
// returns 0 or -errno (MSG_NOSIGNAL); receive returns the bytes read (1, 0 at EOF) or -errno and
// sets *fd to a received descriptor (close-on-exec), leaving it alone when none came. Retry EINTR.
int aic_send_byte_with_fd(int sock, char byte, int fd);
int aic_receive_byte_with_fd(int sock, char *byte, int *fd);
// Close every fd >= 0 not in keep (keep may contain -1 entries, which are ignored).
void aic_close_except(const int *keep, size_t nkeep);
// Reset every signal disposition to SIG_DFL (handlers of the parent must never run here).
void aic_reset_signal_dispositions(void);

// Mount plan executor (mounts.c): returns 0, or -errno with *failed = op index and *detail =
// what of it failed (enum aic_error_detail).
int aic_run_mount_ops(const struct aic_mount_op *ops, size_t nops, size_t *failed, int *detail);

// Become the workload: stdio, rlimits, identity, capabilities, no_new_privs, cwd, seccomp,
// execve (identity.c). Never returns; failures are reported on error_fd and exit 126/127.
__attribute__((noreturn)) void aic_become_workload(const struct aic_process *p, int in_fd,
                                                   int out_fd, int err_fd, int error_fd);

// What aicore-init runs with, read from the memfd the clone hands it (initconfig.c).
struct aic_init_config {
  int error_fd;          // the error pipe: closed (by exec) once the workload runs
  int sync_fd;           // wait here for the cgroup placement, or -1
  int stdin_fd;
  int passthrough_out, passthrough_err;
  int log_dir_fd;        // a detached mount of the log directory, or -1
  const char *log_name;
  uint64_t log_max_bytes;
  int log_max_files;
  int log_format;        // enum aic_log_format
  int exit_fd;           // the exit file, open for writing, or -1
  int exec_listen_fd;
  int cgroup_namespace;
  struct aic_process process;
};

// The parent's side: the spawn configuration as the init will read it, in a memfd
// (close-on-exec). Returns the fd or -errno.
int aic_init_config_write(const struct aic_spawn_config *c, int error_fd, int sync_fd);

// The init's supervision loop (init.c). Never returns.
__attribute__((noreturn)) void aic_init_main(const struct aic_init_config *c);

// The init's exec channel (initexec.c): health checks and `exec` made by the init itself.
#include <poll.h>
#define AIC_EXEC_SESSIONS 8
#define AIC_EXEC_SERVER_POLLFDS (1 + 2 * AIC_EXEC_SESSIONS)
void aic_exec_server_init(int listen_fd, const struct aic_process *workload);
// Adds its descriptors to pfd from index first (at most AIC_EXEC_SERVER_POLLFDS); returns how
// many. accepting = 0 once the workload ended.
int aic_exec_server_pollfds(struct pollfd *pfd, int first, int accepting);
// After poll: serves what became ready among the descriptors it added.
void aic_exec_server_handle(const struct pollfd *pfd);
// A child other than the workload was reaped; returns 1 if it was an exec's process.
int aic_exec_server_reaped(pid_t pid, int status);
// The workload ended: kill every exec's process and stop serving.
void aic_exec_server_stop(void);

#if defined(__x86_64__)
#include <linux/sched.h>
// clone3 running fn(arg) on args->stack in the child, which exits with its result (spawn.c).
long aic_clone3_run(struct clone_args *args, int (*fn)(void *), void *arg);
#endif

#endif
