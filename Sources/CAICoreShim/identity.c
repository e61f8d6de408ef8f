// identity.c — the last steps before execve, in the order that keeps each one possible:
// stdio, rlimits, capability bounding set (needs CAP_SETPCAP, so while still root), groups and
// ids (keeping capabilities across setuid), capset, ambient set, no_new_privs, cwd, and the
// seccomp filter last, so that nothing above has to be allowed by it. Raw syscalls only.
#include "internal.h"
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static void setup_stdio(int in_fd, int out_fd, int err_fd, int error_fd) {
  // Move the sources above 2 first so that dup2 onto 0..2 can never clobber one of them.
  int src[3] = {in_fd, out_fd, err_fd};
  for (int i = 0; i < 3; i++) {
    if (src[i] < 0) continue;
    int moved = fcntl(src[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0) aic_fail(error_fd, AIC_STAGE_STDIO, errno, i, 127);
    src[i] = moved;
  }
  for (int i = 0; i < 3; i++) {
    if (src[i] < 0) continue;
    if (dup2(src[i], i) < 0) aic_fail(error_fd, AIC_STAGE_STDIO, errno, i, 127);
  }
}

// The workload's stdio are pipes (or files) the agent's init made as root, mode 0600: a non-root
// workload could write to them but not reopen them, and nginx or postgres open /dev/stdout
// (that is /proc/self/fd/1) by name. Give them to the workload's user, as runc does; leave
// character devices (/dev/null) and anything already someone else's alone.
static void own_stdio(uid_t uid, gid_t gid) {
  if (uid == 0) return;
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0) continue;
    if (S_ISCHR(st.st_mode) || st.st_uid != 0) continue;
    (void)fchown(fd, uid, gid);
  }
}

static int has_slash(const char *s) {
  for (; *s; s++)
    if (*s == '/') return 1;
  return 0;
}

// execvpe is not async-signal-safe (it may allocate); this walks PATH with a stack buffer.
static int exec_search(const struct aic_process *p) {
  if (has_slash(p->path) || !p->search_path) {
    execve(p->path, p->argv, p->envp);
    return errno;
  }
  int saved = ENOENT;
  const char *dir = p->search_path;
  char buf[4096];
  for (;;) {
    const char *end = dir;
    while (*end && *end != ':') end++;
    size_t len = 0;
    size_t dlen = (size_t)(end - dir);
    if (dlen == 0) {
      buf[len++] = '.';
    } else if (dlen < sizeof buf) {
      for (size_t i = 0; i < dlen; i++) buf[len++] = dir[i];
    }
    buf[len] = 0;
    if (aic_append(buf, sizeof buf, &len, "/") == 0 &&
        aic_append(buf, sizeof buf, &len, p->path) == 0) {
      execve(buf, p->argv, p->envp);
      int e = errno;
      // Keep going on "not here"; remember a permission problem to report it over ENOENT.
      if (e == EACCES) saved = EACCES;
      else if (e != ENOENT && e != ENOTDIR) return e;
    }
    if (!*end) break;
    dir = end + 1;
  }
  return saved;
}

void aic_become_workload(const struct aic_process *p, int in_fd, int out_fd, int err_fd,
                         int error_fd) {
  // Until execve, nothing else in the instance may read this process's memory or descriptors
  // (a copy of the init's), even with CAP_SYS_PTRACE: execve makes it dumpable again.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
    aic_fail(error_fd, AIC_STAGE_SIGNALS, errno, -1, 127);

  // The agent's own umask (077) is not the workload's: 022, as runc and Docker give.
  umask(022);
  setup_stdio(in_fd, out_fd, err_fd, error_fd);
  // Every other descriptor is closed now, before the identity switch, not only marked
  // close-on-exec: the error pipe alone stays (as fd 3, close-on-exec) to report until execve.
  if (error_fd >= 0 && error_fd != 3) {
    if (dup3(error_fd, 3, O_CLOEXEC) < 0) aic_fail(error_fd, AIC_STAGE_CLOSE_FDS, errno, -1, 127);
    error_fd = 3;
  }
  if (syscall(SYS_close_range, error_fd >= 0 ? 4U : 3U, ~0U, 0) < 0)
    aic_fail(error_fd, AIC_STAGE_CLOSE_FDS, errno, -1, 127);

  if (p->oom_score_adj_set) {
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) aic_fail(error_fd, AIC_STAGE_OOM_SCORE, errno, -1, 127);
    char buf[24];
    size_t len = 0;
    aic_append_i64(buf, sizeof buf, &len, p->oom_score_adj);
    int r = aic_write_all(fd, buf, len);
    close(fd);
    if (r < 0) aic_fail(error_fd, AIC_STAGE_OOM_SCORE, -r, -1, 127);
  }

  for (size_t i = 0; i < p->nrlimits; i++) {
    struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
    if (setrlimit(p->rlimits[i].resource, &rl) < 0)
      aic_fail(error_fd, AIC_STAGE_RLIMIT, errno, (int)i, 127);
  }

  for (int cap = 0; cap <= p->last_cap && cap < 64; cap++) {
    if (p->caps & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      aic_fail(error_fd, AIC_STAGE_CAP_BOUNDING, errno, cap, 127);
  }

  own_stdio(p->uid, p->gid);
  if (syscall(SYS_setgroups, p->ngroups, p->groups) < 0)
    aic_fail(error_fd, AIC_STAGE_SETGROUPS, errno, -1, 127);
  if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
    aic_fail(error_fd, AIC_STAGE_SETGID, errno, -1, 127);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    aic_fail(error_fd, AIC_STAGE_KEEPCAPS, errno, -1, 127);
  if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
    aic_fail(error_fd, AIC_STAGE_SETUID, errno, -1, 127);

  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  uint32_t lo = (uint32_t)(p->caps & 0xffffffffu), hi = (uint32_t)(p->caps >> 32);
  data[0].effective = data[0].permitted = data[0].inheritable = lo;
  data[1].effective = data[1].permitted = data[1].inheritable = hi;
  if (syscall(SYS_capset, &hdr, data) < 0) aic_fail(error_fd, AIC_STAGE_CAPSET, errno, -1, 127);

  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    aic_fail(error_fd, AIC_STAGE_AMBIENT, errno, -1, 127);
  // A non-root workload keeps its added capabilities across execve only through the ambient
  // set (it has no file capabilities); root gets them from the bounding/inheritable sets.
  if (p->uid != 0) {
    for (int cap = 0; cap <= p->last_cap && cap < 64; cap++) {
      if (!(p->caps & (1ULL << cap))) continue;
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
        aic_fail(error_fd, AIC_STAGE_AMBIENT, errno, cap, 127);
    }
  }

  if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    aic_fail(error_fd, AIC_STAGE_NO_NEW_PRIVS, errno, -1, 127);

  if (p->cwd && chdir(p->cwd) < 0) aic_fail(error_fd, AIC_STAGE_CHDIR, errno, -1, 127);

  if (p->seccomp) {
    struct sock_fprog prog = {.len = p->seccomp_len, .filter = (struct sock_filter *)p->seccomp};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
      aic_fail(error_fd, AIC_STAGE_SECCOMP, errno, -1, 127);
  }

  int err = exec_search(p);
  // 126: found but not executable; 127: not found (the shell's and docker's convention).
  aic_fail(error_fd, AIC_STAGE_EXEC, err, -1, (err == ENOENT || err == ENOTDIR) ? 127 : 126);
}
