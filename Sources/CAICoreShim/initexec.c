// initexec.c — the init's exec channel: health checks and `exec` made by the instance's own init.
//
// The agent used to make every check itself: join the instance's namespaces, and on cgroup v1
// write the new process into each of the instance's cgroups. A v1 migration takes a global lock
// and waits for an RCU grace period, so 500 checks a second queued in the kernel, each holding an
// agent thread. The init is already in every namespace and cgroup of the instance: a process it
// makes is born there, with no setns and no migration, and the agent only sends a request and
// reads the answer on a socket (no thread, no child of its own).
//
// The agent binds a SOCK_SEQPACKET listener in the instance's state directory before the clone
// (mode 0600, outside the instance's root) and the init inherits it. Protocol, one message each:
//   request  "AIX1" u32 argc u32 envc, then NUL-terminated: path, search path, cwd ("" = the
//            workload's), argv[argc], env[envc]. Identity, capabilities, rlimits, no_new_privs
//            and seccomp are the workload's own, from the init's copy of the spawn config.
//            "AIX2" u32 argc u32 envc u32 uid u32 gid u32 ngroups u32 caps_lo u32 caps_hi
//            u32 groups[ngroups], then the strings as above: another identity and capability
//            set (a hook's or exec's `user`), with the workload's rlimits, no_new_privs and
//            seccomp filter. Only the agent can ask for it: the socket is outside the instance's
//            root and the init serves no peer but its own uid.
//   answers  'o' + bytes   output (stdout and stderr together), in order
//            'f' + struct aic_child_error   the process failed before exec (then 'x' follows)
//            'x' + i32 kind (1 exited, 2 killed) + i32 value   the end; the connection then
//            takes the next request
// The agent closing its end before 'x' (timeout, cancellation) makes the init SIGKILL the
// process. Only peers with the init's own uid are served. Everything here runs in the init: a
// single-threaded copy of the agent, so raw syscalls and static storage only.
#include "internal.h"
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SESSIONS AIC_EXEC_SESSIONS
#define REQUEST_MAX 65536
#define ARGS_MAX 256
#define ENV_MAX 1024
#define GROUPS_MAX 256
#define CHUNK 4096
// Output read after the process ended (from something it left running) before the answer ends.
#define AFTER_EXIT_MAX 65536

struct session {
  int conn;            // -1: free
  int out;             // read end of the output pipe, -1 once closed
  pid_t pid;           // 0: waiting for a request; > 0: running; -1: ended
  int kind, value;     // how it ended (set with pid = -1)
  int answered;        // the end ('x') is sent or pending: next, wait for another request
  size_t after_exit;
  size_t pending_len;  // an answer that did not fit in the socket yet ('o' + data)
  char pending[CHUNK + 1];
};

static struct session g_sessions[SESSIONS];
static int g_listen = -1;
static int g_devnull = -1;
static const struct aic_process *g_workload;
// Which session (or the listener, -1) each pollfd added by aic_exec_server_pollfds belongs to.
static int g_owner[1 + 2 * SESSIONS];
static int g_first;  // index of our first pollfd in the caller's array
static int g_count;

static char g_request[REQUEST_MAX + 1];
static char *g_argv[ARGS_MAX + 1];
static char *g_envp[ENV_MAX + 1];
static uint32_t g_groups[GROUPS_MAX];

void aic_exec_server_init(int listen_fd, const struct aic_process *workload) {
  g_listen = listen_fd;
  g_workload = workload;
  for (int i = 0; i < SESSIONS; i++) {
    g_sessions[i].conn = -1;
    g_sessions[i].out = -1;
  }
  if (g_listen >= 0) fcntl(g_listen, F_SETFL, O_NONBLOCK);
}

static void session_close(struct session *s) {
  if (s->conn >= 0) close(s->conn);
  if (s->out >= 0) close(s->out);
  s->conn = s->out = -1;
  s->pid = 0;
  s->answered = 0;
  s->pending_len = 0;
}

// The answer is out: the connection stays for the caller's next request (the agent keeps one
// per instance, so a check costs no connect).
static void session_reset(struct session *s) {
  if (s->out >= 0) close(s->out);
  s->out = -1;
  s->pid = 0;
  s->answered = 0;
  s->after_exit = 0;
}

// Sends what is pending; 1 when nothing is left, 0 when the socket is full, -1 when it is gone.
static int session_flush(struct session *s) {
  if (s->pending_len == 0) return 1;
  ssize_t n;
  do {
    n = send(s->conn, s->pending, s->pending_len, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) ? 0 : -1;
  s->pending_len = 0;
  return 1;
}

static int session_send(struct session *s, char type, const void *data, size_t len) {
  s->pending[0] = type;
  memcpy(s->pending + 1, data, len);
  s->pending_len = len + 1;
  return session_flush(s);
}

// Abandoned by the agent: the process must not outlive its caller.
static void session_abandon(struct session *s) {
  if (s->pid > 0) {
    kill(s->pid, SIGKILL);
    // Reaped by the init's loop; the slot is reused only once it is.
    if (s->conn >= 0) close(s->conn);
    if (s->out >= 0) close(s->out);
    s->conn = s->out = -1;
    s->pending_len = 0;
    return;
  }
  session_close(s);
}

// Reads the check's output into one pending answer. Returns 1 on data, 0 when the pipe is empty
// for now, -1 at EOF (pipe closed).
static int session_read(struct session *s) {
  char buf[CHUNK];
  ssize_t n;
  do {
    n = read(s->out, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    if (s->pid == -1) s->after_exit += (size_t)n;
    if (session_send(s, 'o', buf, (size_t)n) < 0) session_abandon(s);
    return 1;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  close(s->out);
  s->out = -1;
  return -1;
}

// After the process ended: send what its pipe still holds (bounded), then the end.
static void session_finish(struct session *s) {
  while (s->conn >= 0 && s->pending_len == 0 && s->out >= 0 && s->after_exit < AFTER_EXIT_MAX) {
    if (session_read(s) <= 0) break;
  }
  if (s->conn < 0) {
    session_close(s);
    return;
  }
  if (s->pending_len > 0) return;  // waits for POLLOUT
  int32_t end[2] = {s->kind, s->value};
  s->answered = 1;
  int r = session_send(s, 'x', end, sizeof end);
  if (r < 0) session_close(s);
  else if (r == 1) session_reset(s);
}

static uint32_t read_u32(const char *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

// Takes `count` NUL-terminated strings from *cursor (bounded by end) into list; -1 if malformed.
static int take_strings(char **cursor, char *end, char **list, uint32_t count) {
  for (uint32_t i = 0; i < count; i++) {
    char *start = *cursor;
    char *p = start;
    while (p < end && *p) p++;
    if (p >= end) return -1;
    list[i] = start;
    *cursor = p + 1;
  }
  return 0;
}

#if defined(__x86_64__)
// The process shares the init's memory until execve (CLONE_VM|CLONE_VFORK): no page-table copy
// of the init, which is itself a copy of the agent. The init is single-threaded and suspended
// meanwhile, so a static stack is safe.
static char g_stack[64 * 1024] __attribute__((aligned(16)));

struct spawn_args {
  struct aic_process process;
  int out_w, error_w;
};

static int spawn_child(void *arg) {
  struct spawn_args *a = arg;
  aic_become_workload(&a->process, g_devnull, a->out_w, a->out_w, a->error_w);
}
#endif

// The request cannot be served: say why (stage and errno, as a child would) and hang up.
static void session_refuse(struct session *s, int stage, int err) {
  struct aic_child_error e = {.stage = stage, .err = err, .index = -1, .detail = AIC_DETAIL_NONE};
  (void)session_send(s, 'f', &e, sizeof e);
  session_close(s);
}

static void session_start(struct session *s) {
  ssize_t n;
  do {
    n = recv(s->conn, g_request, REQUEST_MAX, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  if (n <= 0) {
    session_close(s);  // the caller left
    return;
  }
  int identity = n >= 4 && memcmp(g_request, "AIX2", 4) == 0;
  if (n < (identity ? 32 : 12) || (!identity && memcmp(g_request, "AIX1", 4) != 0)) {
    session_refuse(s, AIC_STAGE_NONE, EINVAL);
    return;
  }
  g_request[n] = 0;
  uint32_t argc = read_u32(g_request + 4), envc = read_u32(g_request + 8);
  char *cursor = g_request + 12, *end = g_request + n;
  struct aic_process p = *g_workload;
  if (identity) {
    uint32_t ngroups = read_u32(g_request + 20);
    if (ngroups > GROUPS_MAX || (size_t)(end - (g_request + 32)) < (size_t)ngroups * 4) {
      session_refuse(s, AIC_STAGE_NONE, EINVAL);
      return;
    }
    p.uid = read_u32(g_request + 12);
    p.gid = read_u32(g_request + 16);
    p.caps = (uint64_t)read_u32(g_request + 24) | ((uint64_t)read_u32(g_request + 28) << 32);
    for (uint32_t i = 0; i < ngroups; i++) g_groups[i] = read_u32(g_request + 32 + 4 * i);
    p.groups = g_groups;
    p.ngroups = ngroups;
    cursor = g_request + 32 + 4 * ngroups;
  }
  char *fixed[3];
  if (argc == 0 || argc > ARGS_MAX || envc > ENV_MAX || take_strings(&cursor, end, fixed, 3) < 0 ||
      take_strings(&cursor, end, g_argv, argc) < 0 || take_strings(&cursor, end, g_envp, envc) < 0) {
    session_refuse(s, AIC_STAGE_NONE, EINVAL);
    return;
  }
  g_argv[argc] = NULL;
  g_envp[envc] = NULL;

  p.path = fixed[0];
  p.search_path = fixed[1][0] ? fixed[1] : NULL;
  if (fixed[2][0]) p.cwd = fixed[2];
  p.argv = g_argv;
  p.envp = g_envp;

  int out[2], err[2];
  if (g_devnull < 0) g_devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (pipe2(out, O_CLOEXEC) < 0) {
    session_refuse(s, AIC_STAGE_PIPES, errno);
    return;
  }
  if (pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    close(out[0]);
    close(out[1]);
    session_refuse(s, AIC_STAGE_PIPES, e);
    return;
  }
#if defined(__x86_64__)
  static struct spawn_args args;
  args.process = p;
  args.out_w = out[1];
  args.error_w = err[1];
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_VM | CLONE_VFORK;
  ca.exit_signal = SIGCHLD;
  ca.stack = (uint64_t)(uintptr_t)g_stack;
  ca.stack_size = sizeof g_stack;
  int saved_errno = errno;  // shared with the child (CLONE_VM)
  long pid = aic_clone3_run(&ca, spawn_child, &args);
  if (pid < 0) errno = (int)-pid;
  else errno = saved_errno;
#else
  long pid = _Fork();
  if (pid == 0) aic_become_workload(&p, g_devnull, out[1], out[1], err[1]);
#endif
  int spawn_errno = errno;
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    session_refuse(s, AIC_STAGE_FORK, spawn_errno);
    return;
  }
  s->pid = (pid_t)pid;
  s->out = out[0];
  s->after_exit = 0;
  fcntl(s->out, F_SETFL, O_NONBLOCK);
  // CLONE_VFORK: the child has exec'd (EOF) or reported and exited by now. With fork (other
  // architectures) this read waits for the same moment.
  struct aic_child_error report;
  if (aic_read_child_error(err[0], &report) == 1) (void)session_send(s, 'f', &report, sizeof report);
  close(err[0]);
}

static void accept_one(void) {
  int conn = accept4(g_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (conn < 0) return;
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
    close(conn);
    return;
  }
  for (int i = 0; i < SESSIONS; i++) {
    if (g_sessions[i].conn >= 0 || g_sessions[i].pid > 0) continue;
    g_sessions[i].conn = conn;
    g_sessions[i].out = -1;
    g_sessions[i].pid = 0;
    g_sessions[i].answered = 0;
    g_sessions[i].pending_len = 0;
    return;
  }
  close(conn);
}

static int free_slots(void) {
  int n = 0;
  for (int i = 0; i < SESSIONS; i++)
    if (g_sessions[i].conn < 0 && g_sessions[i].pid <= 0) n++;
  return n;
}

int aic_exec_server_pollfds(struct pollfd *pfd, int first, int accepting) {
  g_first = first;
  g_count = 0;
  // A full house leaves new callers in the listen backlog until a slot frees up.
  if (accepting && g_listen >= 0 && free_slots() > 0) {
    pfd[first + g_count] = (struct pollfd){g_listen, POLLIN, 0};
    g_owner[g_count++] = -1;
  }
  for (int i = 0; i < SESSIONS; i++) {
    struct session *s = &g_sessions[i];
    if (s->conn < 0) continue;
    short conn_events = s->pending_len > 0 ? POLLOUT : POLLIN;
    pfd[first + g_count] = (struct pollfd){s->conn, conn_events, 0};
    g_owner[g_count++] = i;
    if (s->out >= 0 && s->pending_len == 0) {
      pfd[first + g_count] = (struct pollfd){s->out, POLLIN, 0};
      g_owner[g_count++] = i;
    }
  }
  return g_count;
}

void aic_exec_server_handle(const struct pollfd *pfd) {
  for (int k = 0; k < g_count; k++) {
    const struct pollfd *p = &pfd[g_first + k];
    if (!p->revents) continue;
    if (g_owner[k] < 0) {
      accept_one();
      continue;
    }
    struct session *s = &g_sessions[g_owner[k]];
    if (p->fd == s->conn && s->conn >= 0) {
      if (s->pid == 0) {
        session_start(s);
        continue;
      }
      if (p->revents & (POLLERR | POLLHUP)) {
        session_abandon(s);
        continue;
      }
      if (p->revents & POLLOUT) {
        int r = session_flush(s);
        if (r < 0) session_abandon(s);
        else if (r == 1 && s->answered) session_reset(s);
        else if (r == 1 && s->pid == -1) session_finish(s);
        continue;
      }
      if (p->revents & POLLIN) {
        // Nothing is expected from the agent once it sent the request: EOF means it left.
        char drop[64];
        ssize_t n = recv(s->conn, drop, sizeof drop, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) session_abandon(s);
      }
      continue;
    }
    if (p->fd == s->out && s->out >= 0 && s->conn >= 0 && s->pending_len == 0) {
      if (session_read(s) < 0 && s->pid == -1) session_finish(s);
    }
  }
}

int aic_exec_server_reaped(pid_t pid, int status) {
  for (int i = 0; i < SESSIONS; i++) {
    struct session *s = &g_sessions[i];
    if (s->pid != pid || pid <= 0) continue;
    s->kind = WIFEXITED(status) ? 1 : 2;
    s->value = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
    s->pid = -1;
    if (s->conn < 0) session_close(s);  // abandoned: nobody to tell
    else session_finish(s);
    return 1;
  }
  return 0;
}

void aic_exec_server_stop(void) {
  for (int i = 0; i < SESSIONS; i++) {
    if (g_sessions[i].pid > 0) kill(g_sessions[i].pid, SIGKILL);
    session_close(&g_sessions[i]);
  }
  if (g_listen >= 0) close(g_listen);
  g_listen = -1;
}
