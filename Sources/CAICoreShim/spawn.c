// spawn.c — clone3 of an instance (aic_spawn), which execs the init program once set up.
//
// The parent blocks every signal around clone3 so that no handler of the Swift runtime can run
// in the child before the child resets all dispositions to default. The child then only makes
// raw syscalls (see internal.h) until execve.
#include "internal.h"
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

// clone3 without a new stack behaves like fork: the child resumes here on a copy of our stack.
// Async-signal-safe: socket and ioctl only.

static int bring_up_loopback(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct ifreq request;
  for (size_t i = 0; i < sizeof request; i++) ((volatile char *)&request)[i] = 0;
  request.ifr_name[0] = 'l';
  request.ifr_name[1] = 'o';
  int rc = ioctl(fd, SIOCGIFFLAGS, &request);
  if (rc == 0) {
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    rc = ioctl(fd, SIOCSIFFLAGS, &request);
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

static pid_t do_clone3(uint64_t flags, int cgroup_fd, int *pidfd) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)pidfd;
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

struct pipes {
  int error_r, error_w, sync_r, sync_w;
};

static void close_pipes(struct pipes *p) {
  int *fds[4] = {&p->error_r, &p->error_w, &p->sync_r, &p->sync_w};
  for (int i = 0; i < 4; i++)
    if (*fds[i] >= 0) {
      close(*fds[i]);
      *fds[i] = -1;
    }
}

static int open_pipes(struct pipes *p, int want_sync) {
  int fds[2];
  p->error_r = p->error_w = p->sync_r = p->sync_w = -1;
  if (pipe2(fds, O_CLOEXEC) < 0) return -errno;
  p->error_r = fds[0];
  p->error_w = fds[1];
  if (want_sync) {
    // A socket rather than a pipe: the release write uses MSG_NOSIGNAL, so a child that already
    // died cannot SIGPIPE the (multithreaded) parent.
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
      int e = errno;
      close_pipes(p);
      return -e;
    }
    p->sync_r = fds[0];
    p->sync_w = fds[1];
  }
  return 0;
}

// Clones with CLONE_INTO_CGROUP when asked, falling back to a plain clone (and the sync
// handshake) where the kernel or the cgroup refuses it.
static pid_t clone_child(uint64_t flags, int cgroup_fd, int *pidfd, int *into_cgroup) {
  *into_cgroup = 0;
  if (cgroup_fd >= 0) {
    pid_t pid = do_clone3(flags, cgroup_fd, pidfd);
    if (pid >= 0) {
      if (pid > 0) *into_cgroup = 1;
      return pid;
    }
    if (errno != EINVAL && errno != E2BIG && errno != ENOSYS && errno != EOPNOTSUPP &&
        errno != EBUSY)
      return -1;
  }
  return do_clone3(flags, -1, pidfd);
}

// The parent's side after clone, shared by spawn and the fork-based exec: restore the signal
// mask, close the child's pipe ends, and hand the caller the error pipe (and the sync socket
// when the child waits for its cgroup placement).
static int finish_parent(struct pipes *pp, const sigset_t *old, pid_t pid, int pidfd, int into,
                         int wait_for_sync, int saved, struct aic_spawn_result *r) {
  pthread_sigmask(SIG_SETMASK, old, NULL);
  close(pp->error_w);
  close(pp->sync_r);
  pp->error_w = pp->sync_r = -1;
  if (pid < 0) {
    close_pipes(pp);
    return -saved;
  }
  r->pid = pid;
  r->pidfd = pidfd;
  r->error_fd = pp->error_r;
  r->into_cgroup = into;
  if (wait_for_sync) {
    r->sync_fd = pp->sync_w;
  } else {
    close(pp->sync_w);
    r->sync_fd = -1;
  }
  return 0;
}

static void child_common_start(int error_fd) {
  aic_reset_signal_dispositions();
  (void)error_fd;
}

static int format_fd(char *buf, size_t cap, int fd) {
  size_t len = 0;
  buf[0] = 0;
  return aic_append_i64(buf, cap, &len, fd);
}

int aic_spawn(const struct aic_spawn_config *c, struct aic_spawn_result *r) {
  if (c->init_exe_fd < 0) return -EBADF;
  struct pipes pp;
  // The sync pipe is always made: if CLONE_INTO_CGROUP is refused we need it after all.
  int rc = open_pipes(&pp, 1);
  if (rc < 0) return rc;
  int config_fd = aic_init_config_write(c, pp.error_w, c->wait_for_sync ? pp.sync_r : -1);
  if (config_fd < 0) {
    close_pipes(&pp);
    return config_fd;
  }

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1, into = 0;
  pid_t pid = clone_child(c->namespaces, c->cgroup_fd, &pidfd, &into);
  if (pid == 0) {
    // ---- child: becomes the instance init. Signals stay blocked; init.c reads them via signalfd.
    child_common_start(pp.error_w);
    int error_fd = pp.error_w;
    close(pp.error_r);
    close(pp.sync_w);
    // Placed already by CLONE_INTO_CGROUP? Then nothing to wait for. The child learns that
    // from the clone flag result only in the parent, so it re-reads the config's wish: the
    // parent writes the release byte in both cases (cheap) unless wait_for_sync is 0.
    int sync_fd = c->wait_for_sync ? pp.sync_r : -1;
    if (sync_fd < 0) close(pp.sync_r);
    if (setsid() < 0) aic_fail(error_fd, AIC_STAGE_SETSID, errno, -1, 125);
    if (c->join_net_fd >= 0 && setns(c->join_net_fd, CLONE_NEWNET) < 0) aic_fail(error_fd, AIC_STAGE_SETNS, errno, -1, 125);
    // Everything else this copy of the agent holds is closed at once, not only at the execve:
    // the mounts below can take milliseconds, and until then a socket the agent closes (a
    // resolver's 127.0.0.11:53, a published port) would stay bound in this copy of its table.
    int keep[] = {error_fd,       sync_fd,         c->stdin_fd,   c->passthrough_out,
                  c->passthrough_err, c->log_dir_fd, c->exit_fd, c->exec_listen_fd,
                  config_fd,      c->init_exe_fd};
    size_t nkeep = sizeof keep / sizeof keep[0];
    aic_close_except(keep, nkeep);
    if (c->hostname && sethostname(c->hostname, aic_strlen(c->hostname)) < 0)
      aic_fail(error_fd, AIC_STAGE_HOSTNAME, errno, -1, 125);
    // A new network namespace starts with `lo` down; `--network none` still means a working
    // 127.0.0.1 inside, as in Docker.
    if ((c->namespaces & CLONE_NEWNET) && bring_up_loopback() < 0)
      aic_fail(error_fd, AIC_STAGE_LOOPBACK, errno, -1, 125);
    size_t failed = 0;
    int detail = AIC_DETAIL_NONE;
    int mr = aic_run_mount_ops(c->ops, c->nops, &failed, &detail);
    if (mr < 0) {
      aic_report_detail(error_fd, AIC_STAGE_MOUNT, -mr, (int)failed, detail);
      _exit(125);
    }
    // Again after the mounts, for anything they left open. All but the last kept descriptor
    // are handed to the init across the execve; the program itself is not.
    aic_close_except(keep, nkeep);
    for (size_t i = 0; i + 1 < nkeep; i++)
      if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
        aic_fail(error_fd, AIC_STAGE_INIT_EXEC, errno, (int)i, 125);
    // The init program replaces this copy of the agent: nothing of the agent's memory stays in
    // the instance. From the memfd, so no path inside the new root is needed.
    char config_arg[24], error_arg[24];
    format_fd(config_arg, sizeof config_arg, config_fd);
    format_fd(error_arg, sizeof error_arg, error_fd);
    char *argv[] = {"aicore-init", config_arg, error_arg, NULL};
    char *envp[] = {NULL};
    syscall(SYS_execveat, c->init_exe_fd, "", argv, envp, AT_EMPTY_PATH);
    aic_fail(error_fd, AIC_STAGE_INIT_EXEC, errno, -1, 125);
  }
  int saved = errno;
  close(config_fd);
  return finish_parent(&pp, &old, pid, pidfd, into, c->wait_for_sync, saved, r);
}

#if defined(__x86_64__)
#include <sys/mman.h>

// clone3 that runs fn(arg) on the new stack in the child and exits with its result; the parent
// gets the pid or -errno. glibc has no public clone3 wrapper, and a child on a new stack cannot
// return through syscall()'s frame. The kernel keeps r12/r13 across the syscall, in both tasks.
long aic_clone3_run(struct clone_args *args, int (*fn)(void *), void *arg) {
  long ret;
  register void *fn_reg __asm__("r12") = (void *)fn;
  register void *arg_reg __asm__("r13") = arg;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "mov %%r13, %%rdi\n\t"
      "call *%%r12\n\t"
      "mov %%eax, %%edi\n\t"
      "mov $60, %%eax\n\t" /* SYS_exit */
      "syscall\n\t"
      "hlt\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"((long)SYS_clone3), "D"(args), "S"(sizeof *args), "r"(fn_reg), "r"(arg_reg)
      : "rcx", "r11", "memory");
  return ret;
}

#endif

int aic_sync_release(int sync_fd, int release, int pass_fd) {
  int rc = release ? aic_send_byte_with_fd(sync_fd, 1, pass_fd) : 0;
  close(sync_fd);
  return rc;
}

int aic_read_child_error(int error_fd, struct aic_child_error *out) {
  size_t got = 0;
  char *p = (char *)out;
  while (got < sizeof *out) {
    ssize_t n = read(error_fd, p + got, sizeof *out - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) return got == 0 ? 0 : -EPROTO;
    got += (size_t)n;
  }
  return 1;
}

int aic_pidfd_open(pid_t pid) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  return fd < 0 ? -errno : fd;
}

int aic_pidfd_send_signal(int pidfd, int sig) {
  return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

int aic_pidfd_wait(int pidfd, int flags, int *code, int *status) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r;
  do {
    r = (int)syscall(SYS_waitid, P_PIDFD, pidfd, &si, flags, NULL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  *code = si.si_code;
  *status = si.si_status;
  if (si.si_pid == 0) *code = 0;
  return 0;
}
