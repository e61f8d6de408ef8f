// spawn.c — clone3 of an instance (aic_spawn) and of an exec into one (aic_exec).
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

// The init is a clone of the agent, so /proc/PID/cmdline still reads the agent's command line:
// `pkill -f "aicore-node agent"` would signal every instance. Overwrite that memory (the init's
// own copy) with the init's name. Only read(2)/open(2) and plain memory writes: async-signal-safe.
static void rename_cmdline(const char *name) {
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return;
  buf[n] = 0;
  // Fields after the last ')' (the comm may hold anything); field 3 follows it.
  ssize_t i = n - 1;
  while (i >= 0 && buf[i] != ')') i--;
  if (i < 0) return;
  int field = 2;
  unsigned long long values[2] = {0, 0};  // fields 48 (arg_start) and 49 (arg_end)
  for (i = i + 1; i < n; i++) {
    if (buf[i] == ' ') { field++; continue; }
    if (field == 48 || field == 49) {
      if (buf[i] < '0' || buf[i] > '9') return;
      values[field - 48] = values[field - 48] * 10 + (unsigned long long)(buf[i] - '0');
    }
  }
  if (values[0] == 0 || values[1] <= values[0]) return;
  char *area = (char *)(uintptr_t)values[0];
  size_t length = (size_t)(values[1] - values[0]);
  size_t k = 0;
  for (; name[k] && k + 1 < length; k++) area[k] = name[k];
  for (; k < length; k++) area[k] = 0;
}

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

int aic_spawn(const struct aic_spawn_config *c, struct aic_spawn_result *r) {
  struct pipes pp;
  // The sync pipe is always made: if CLONE_INTO_CGROUP is refused we need it after all.
  int rc = open_pipes(&pp, 1);
  if (rc < 0) return rc;

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1, into = 0;
  pid_t pid = clone_child(c->namespaces, c->cgroup_fd, &pidfd, &into);
  if (pid == 0) {
    // ---- child: the instance init. Signals stay blocked; init.c reads them via signalfd.
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
    if (c->init_name) {
      prctl(PR_SET_NAME, c->init_name, 0, 0, 0);
      rename_cmdline(c->init_name);
    }
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
    int keep[] = {error_fd,          sync_fd,         c->stdin_fd,    c->passthrough_out,
                  c->passthrough_err, c->log_dir_fd, c->state_dir_fd, c->oom_fd,
                  c->exec_listen_fd};
    aic_close_except(keep, sizeof keep / sizeof keep[0]);
    aic_init_main(c, error_fd, sync_fd);
  }
  int saved = errno;
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

#define EXEC_STACK_SIZE (64 * 1024)
#define EXEC_GUARD_SIZE 4096

// Shared by the caller, the helper and the process (CLONE_VM): the helper's results, and the
// process's one question (place itself?). Lives on the caller's stack, which is not touched
// while the caller is suspended by CLONE_VFORK.
struct exec_shared {
  const struct aic_exec_config *c;
  int error_fd;
  int place_self;
  char *stack;  // the process's stack (the helper's is below it)
  long pid;     // > 0: the process; 0: none was made (the helper reported why)
  int pidfd;
  int into_cgroup;
};

// The process: in the instance's namespaces, still sharing the agent's memory until execve.
static int exec_process(void *arg) {
  struct exec_shared *s = arg;
  const struct aic_exec_config *c = s->c;
  if (s->place_self) {
    for (size_t i = 0; i < c->nprocs_fds; i++) {
      int r = aic_write_all(c->procs_fds[i], "0", 1);
      if (r < 0) aic_fail(s->error_fd, AIC_STAGE_CGROUP, -r, (int)i, 125);
    }
  }
  prctl(PR_SET_NAME, "aicore-exec", 0, 0, 0);
  aic_become_workload(&c->process, c->stdin_fd, c->stdout_fd, c->stderr_fd, s->error_fd);
}

// The helper: joins the namespaces (setns with the init's pidfd; the pid namespace applies to its
// children), then makes the process as a child of the caller (CLONE_PARENT). It shares the
// caller's memory and descriptor table, so it closes nothing and writes only to `s`.
static int exec_helper(void *arg) {
  struct exec_shared *s = arg;
  const struct aic_exec_config *c = s->c;
  aic_reset_signal_dispositions();
  if (setns(c->target_pidfd, (int)c->namespaces) < 0)
    aic_fail(s->error_fd, AIC_STAGE_SETNS, errno, -1, 125);
  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_VM | CLONE_VFORK | CLONE_PARENT | CLONE_PIDFD;
  a.pidfd = (uint64_t)(uintptr_t)&s->pidfd;
  a.exit_signal = 0;  // CLONE_PARENT: the helper's (SIGCHLD) is inherited
  a.stack = (uint64_t)(uintptr_t)s->stack;
  a.stack_size = EXEC_STACK_SIZE;
  long pid = -EINVAL;
  if (c->cgroup_fd >= 0) {
    a.flags |= CLONE_INTO_CGROUP;
    a.cgroup = (uint64_t)c->cgroup_fd;
    s->place_self = 0;
    pid = aic_clone3_run(&a, exec_process, s);
    if (pid > 0) s->into_cgroup = 1;
    a.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
    a.cgroup = 0;
  }
  if (pid == -EINVAL || pid == -E2BIG || pid == -ENOSYS || pid == -EOPNOTSUPP || pid == -EBUSY) {
    s->place_self = 1;
    pid = aic_clone3_run(&a, exec_process, s);
  }
  if (pid < 0) aic_fail(s->error_fd, AIC_STAGE_FORK, (int)-pid, -1, 125);
  s->pid = pid;
  return 0;
}

int aic_exec(const struct aic_exec_config *c, struct aic_spawn_result *r) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return -errno;
  size_t span = 2 * (EXEC_GUARD_SIZE + EXEC_STACK_SIZE);
  char *region = mmap(NULL, span, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED) {
    int e = errno;
    close(fds[0]);
    close(fds[1]);
    return -e;
  }
  // [guard][helper stack][guard][process stack]: an overflow faults instead of corrupting.
  mprotect(region, EXEC_GUARD_SIZE, PROT_NONE);
  mprotect(region + EXEC_GUARD_SIZE + EXEC_STACK_SIZE, EXEC_GUARD_SIZE, PROT_NONE);
  struct exec_shared s;
  memset(&s, 0, sizeof s);
  s.c = c;
  s.error_fd = fds[1];
  s.stack = region + 2 * EXEC_GUARD_SIZE + EXEC_STACK_SIZE;
  s.pidfd = -1;

  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_VM | CLONE_VFORK | CLONE_FILES;
  a.exit_signal = SIGCHLD;
  a.stack = (uint64_t)(uintptr_t)(region + EXEC_GUARD_SIZE);
  a.stack_size = EXEC_STACK_SIZE;

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int saved_errno = errno;  // the children share this thread's TLS, errno included
  long helper = aic_clone3_run(&a, exec_helper, &s);
  errno = saved_errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  munmap(region, span);
  close(fds[1]);
  if (helper < 0) {
    close(fds[0]);
    return (int)helper;
  }
  // Suspended until the process exec'd or failed, and the helper exited: reap the helper.
  int status;
  while (waitpid((pid_t)helper, &status, __WALL) < 0 && errno == EINTR) {}
  if (s.pid <= 0) {
    // The helper failed (its report is on the pipe); nothing else was made.
    if (s.pidfd >= 0) close(s.pidfd);
    r->pid = 0;
    r->pidfd = -1;
  } else {
    r->pid = (pid_t)s.pid;
    r->pidfd = s.pidfd;
  }
  r->error_fd = fds[0];
  r->sync_fd = -1;
  r->into_cgroup = 1;  // placed, one way or the other: nothing for the caller to do
  return 0;
}
#else
int aic_exec(const struct aic_exec_config *c, struct aic_spawn_result *r) {
  struct pipes pp;
  int rc = open_pipes(&pp, 1);
  if (rc < 0) return rc;

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1, into = 0;
  pid_t pid = clone_child(0, c->cgroup_fd, &pidfd, &into);
  if (pid == 0) {
    child_common_start(pp.error_w);
    int error_fd = pp.error_w;
    close(pp.error_r);
    close(pp.sync_w);
    if (c->wait_for_sync) {
      char b = 0;
      ssize_t n;
      do {
        n = read(pp.sync_r, &b, 1);
      } while (n < 0 && errno == EINTR);
      if (n != 1 || b != 1) _exit(125);
    }
    close(pp.sync_r);
    int keep[] = {error_fd, c->stdin_fd, c->stdout_fd, c->stderr_fd, c->target_pidfd};
    aic_close_except(keep, sizeof keep / sizeof keep[0]);
    // One setns with a pidfd joins all the namespaces at once (Linux 5.8+). The pid namespace
    // applies to children only, hence the fork below.
    if (setns(c->target_pidfd, (int)c->namespaces) < 0)
      aic_fail(error_fd, AIC_STAGE_SETNS, errno, -1, 125);
    close(c->target_pidfd);
    prctl(PR_SET_NAME, "aicore-exec", 0, 0, 0);
    pid_t child = _Fork();
    if (child < 0) aic_fail(error_fd, AIC_STAGE_FORK, errno, -1, 125);
    if (child == 0) aic_become_workload(&c->process, c->stdin_fd, c->stdout_fd, c->stderr_fd, error_fd);
    close(error_fd);
    if (c->stdin_fd > 2) close(c->stdin_fd);
    if (c->stdout_fd > 2) close(c->stdout_fd);
    if (c->stderr_fd > 2) close(c->stderr_fd);
    aic_relay_main(child);
  }
  int saved = errno;
  return finish_parent(&pp, &old, pid, pidfd, into, c->wait_for_sync, saved, r);
}
#endif

int aic_sync_release(int sync_fd, int release) {
  int rc = 0;
  if (release) {
    char b = 1;
    ssize_t n;
    do {
      n = send(sync_fd, &b, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    rc = n == 1 ? 0 : -errno;
  }
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
