// initconfig.c — how the init's configuration crosses its execve.
//
// The clone that becomes an instance's PID 1 is a copy of the agent: it holds the agent's heap
// (the API token, the TLS key, other stacks' environments). Once the filesystem is set up it
// execs aicore-init, a static program, from a sealed memfd. What that program needs (descriptors,
// log settings, the workload's process) travels in a memfd the parent writes before the clone:
//   "AICINIT2", a fixed header of integers, the groups, rlimits and seccomp instructions, then
//   NUL-terminated strings: path, [search path], [cwd], [log name], [exit file name], argv, envp.
// The parent side runs in the agent (malloc is fine there); the reading side runs in the fresh
// single-threaded aicore-init process, where it is fine too.
#include "internal.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define WIRE_MAGIC "AICINIT2"
#define WIRE_MAX (64u << 20)

enum {
  HAS_SEARCH_PATH = 1,
  HAS_CWD = 2,
  HAS_LOG_NAME = 4,
};

struct wire_header {
  char magic[8];
  int32_t error_fd, sync_fd, stdin_fd, passthrough_out, passthrough_err;
  int32_t log_dir_fd, log_max_files, log_format, exit_fd, exec_listen_fd, cgroup_namespace;
  uint64_t log_max_bytes;
  uint32_t uid, gid;
  uint64_t caps;
  int32_t last_cap, no_new_privs, oom_score_adj_set, oom_score_adj;
  uint32_t ngroups, nrlimits, seccomp_len, argc, envc, flags;
};

struct buffer {
  char *data;
  size_t len, cap;
  int failed;
};

static void put(struct buffer *b, const void *data, size_t len) {
  if (b->failed) return;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + len) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown || cap > WIRE_MAX) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

static void put_string(struct buffer *b, const char *s) { put(b, s, strlen(s) + 1); }

static uint32_t count(char *const *list) {
  uint32_t n = 0;
  while (list && list[n]) n++;
  return n;
}

int aic_init_config_write(const struct aic_spawn_config *c, int error_fd, int sync_fd) {
  const struct aic_process *p = &c->process;
  struct wire_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, WIRE_MAGIC, 8);
  h.error_fd = error_fd;
  h.sync_fd = sync_fd;
  h.stdin_fd = c->stdin_fd;
  h.passthrough_out = c->passthrough_out;
  h.passthrough_err = c->passthrough_err;
  h.log_dir_fd = c->log_dir_fd;
  h.log_max_files = c->log_max_files;
  h.log_format = c->log_format;
  h.exit_fd = c->exit_fd;
  h.exec_listen_fd = c->exec_listen_fd;
  h.cgroup_namespace = c->cgroup_namespace;
  h.log_max_bytes = c->log_max_bytes;
  h.uid = p->uid;
  h.gid = p->gid;
  h.caps = p->caps;
  h.last_cap = p->last_cap;
  h.no_new_privs = p->no_new_privs;
  h.oom_score_adj_set = p->oom_score_adj_set;
  h.oom_score_adj = p->oom_score_adj;
  h.ngroups = (uint32_t)p->ngroups;
  h.nrlimits = (uint32_t)p->nrlimits;
  h.seccomp_len = p->seccomp ? p->seccomp_len : 0;
  h.argc = count(p->argv);
  h.envc = count(p->envp);
  h.flags = (p->search_path ? HAS_SEARCH_PATH : 0) | (p->cwd ? HAS_CWD : 0) |
            (c->log_name ? HAS_LOG_NAME : 0);
  if (!p->path || h.argc == 0) return -EINVAL;

  struct buffer b = {0};
  put(&b, &h, sizeof h);
  put(&b, p->groups, sizeof *p->groups * h.ngroups);
  put(&b, p->rlimits, sizeof *p->rlimits * h.nrlimits);
  put(&b, p->seccomp, sizeof *p->seccomp * h.seccomp_len);
  put_string(&b, p->path);
  if (p->search_path) put_string(&b, p->search_path);
  if (p->cwd) put_string(&b, p->cwd);
  if (c->log_name) put_string(&b, c->log_name);
  for (uint32_t i = 0; i < h.argc; i++) put_string(&b, p->argv[i]);
  for (uint32_t i = 0; i < h.envc; i++) put_string(&b, p->envp[i]);
  if (b.failed) {
    free(b.data);
    return -ENOMEM;
  }
  int fd = (int)syscall(SYS_memfd_create, "aicore-init-config", MFD_CLOEXEC);
  int rc = fd < 0 ? -errno : aic_write_all(fd, b.data, b.len);
  free(b.data);
  if (fd < 0) return rc;
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

// ---- aicore-init's side ---------------------------------------------------------------------

struct reader {
  const char *p, *end;
};

static const void *take(struct reader *r, size_t len) {
  if ((size_t)(r->end - r->p) < len) return NULL;
  const void *at = r->p;
  r->p += len;
  return at;
}

static const char *take_string(struct reader *r) {
  const char *s = r->p;
  while (r->p < r->end && *r->p) r->p++;
  if (r->p == r->end) return NULL;
  r->p++;
  return s;
}

// Copies an array out of the buffer into aligned memory (the buffer has no alignment promise).
static void *take_array(struct reader *r, size_t size, uint32_t n, int *ok) {
  if (n == 0) return NULL;
  const void *at = take(r, size * n);
  void *copy = at ? malloc(size * n) : NULL;
  if (!copy) {
    *ok = 0;
    return NULL;
  }
  memcpy(copy, at, size * n);
  return copy;
}

static char **take_strings(struct reader *r, uint32_t n, int *ok) {
  char **list = calloc((size_t)n + 1, sizeof *list);
  if (!list) {
    *ok = 0;
    return NULL;
  }
  for (uint32_t i = 0; i < n && *ok; i++) {
    list[i] = (char *)take_string(r);
    if (!list[i]) *ok = 0;
  }
  return list;
}

static int read_config(int fd, struct aic_init_config *out) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  if (st.st_size < (off_t)sizeof(struct wire_header) || st.st_size > (off_t)WIRE_MAX) return -EPROTO;
  size_t size = (size_t)st.st_size;
  char *data = malloc(size);
  if (!data) return -ENOMEM;
  size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, data + got, size - got, (off_t)got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? -errno : -EPROTO;
    got += (size_t)n;
  }
  struct reader r = {data, data + size};
  struct wire_header h;
  memcpy(&h, take(&r, sizeof h), sizeof h);
  if (memcmp(h.magic, WIRE_MAGIC, 8) != 0 || h.argc == 0) return -EPROTO;

  int ok = 1;
  struct aic_process *p = &out->process;
  memset(out, 0, sizeof *out);
  out->error_fd = h.error_fd;
  out->sync_fd = h.sync_fd;
  out->stdin_fd = h.stdin_fd;
  out->passthrough_out = h.passthrough_out;
  out->passthrough_err = h.passthrough_err;
  out->log_dir_fd = h.log_dir_fd;
  out->log_max_files = h.log_max_files;
  out->log_format = h.log_format;
  out->log_max_bytes = h.log_max_bytes;
  out->exit_fd = h.exit_fd;
  out->exec_listen_fd = h.exec_listen_fd;
  out->cgroup_namespace = h.cgroup_namespace;
  p->uid = h.uid;
  p->gid = h.gid;
  p->caps = h.caps;
  p->last_cap = h.last_cap;
  p->no_new_privs = h.no_new_privs;
  p->oom_score_adj_set = h.oom_score_adj_set;
  p->oom_score_adj = h.oom_score_adj;
  p->ngroups = h.ngroups;
  p->groups = take_array(&r, sizeof *p->groups, h.ngroups, &ok);
  p->nrlimits = h.nrlimits;
  p->rlimits = take_array(&r, sizeof *p->rlimits, h.nrlimits, &ok);
  p->seccomp_len = (uint16_t)h.seccomp_len;
  p->seccomp = take_array(&r, sizeof *p->seccomp, h.seccomp_len, &ok);
  if (h.seccomp_len > 0xffff) ok = 0;
  if (ok) p->path = take_string(&r);
  if (ok && (h.flags & HAS_SEARCH_PATH)) p->search_path = take_string(&r);
  if (ok && (h.flags & HAS_CWD)) p->cwd = take_string(&r);
  if (ok && (h.flags & HAS_LOG_NAME)) out->log_name = take_string(&r);
  if (ok) p->argv = take_strings(&r, h.argc, &ok);
  if (ok) p->envp = take_strings(&r, h.envc, &ok);
  if (!ok || !p->path || ((h.flags & HAS_SEARCH_PATH) && !p->search_path) ||
      ((h.flags & HAS_CWD) && !p->cwd) || ((h.flags & HAS_LOG_NAME) && !out->log_name))
    return -EPROTO;
  return 0;
}

static int parse_fd(const char *s) {
  if (!s || !*s) return -1;
  long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 1 << 20) return -1;
    v = v * 10 + (*s - '0');
  }
  return (int)v;
}

void aic_init_program_main(int argc, char **argv) {
  // First: no process of the instance may read this one's memory or reach its descriptors
  // (ptrace_may_access then wants CAP_SYS_PTRACE). execve reset the flag.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  prctl(PR_SET_NAME, "aicore-init", 0, 0, 0);
  int config_fd = argc > 1 ? parse_fd(argv[1]) : -1;
  int error_fd = argc > 2 ? parse_fd(argv[2]) : -1;
  if (error_fd >= 0) fcntl(error_fd, F_SETFD, FD_CLOEXEC);
  static struct aic_init_config config;
  int rc = config_fd < 0 ? -EBADF : read_config(config_fd, &config);
  if (rc < 0) aic_fail(error_fd, AIC_STAGE_INIT_CONFIG, -rc, -1, 125);
  close(config_fd);
  // The clone cleared close-on-exec to hand these over; every later exec must not inherit them.
  int inherited[] = {config.sync_fd,  config.stdin_fd,    config.passthrough_out, config.passthrough_err,
                     config.log_dir_fd, config.exit_fd, config.exec_listen_fd};
  for (size_t i = 0; i < sizeof inherited / sizeof inherited[0]; i++)
    if (inherited[i] >= 0) fcntl(inherited[i], F_SETFD, FD_CLOEXEC);
  // 0-2 were closed with everything else the clone held: keep them taken, so that no pipe made
  // here lands on them and gets replaced by a child's dup2.
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR | O_CLOEXEC) < 0)
      aic_fail(error_fd, AIC_STAGE_STDIO, errno, fd, 125);
  aic_init_main(&config);
}
