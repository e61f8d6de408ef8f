// init.c — the instance init: PID 1 of the instance's pid namespace.
//
// It runs in aicore-init, the program the clone execs once the filesystem is set up (so it holds
// none of the agent's memory), and is single-threaded. It forks the workload, then:
//  - reaps every process that ends up parented to it (no zombies);
//  - forwards SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 and SIGQUIT to the workload;
//  - writes the workload's stdout/stderr as timestamped lines to a size-rotated log file,
//    `2026-11-25T16:00:00.123456789Z stdout F text` (CRI's format: F = full line, P = partial),
//    or, for Compose's `json-file` driver, Docker's JSON lines
//    `{"log":"text\n","stream":"stdout","time":"…"}` (a partial line's `log` has no newline),
//    and copies the raw bytes to the launcher's stdout/stderr while that one listens;
//  - when the workload exits, kills what is left in the namespace, drains the pipes, writes
//    the exit file (JSON) into the state directory, and exits with the workload's status.
// It holds a descriptor of the log directory, opened before pivot_root as a detached mount of
// just that directory, and one of the exit file itself: both survive the launcher's death and the
// mount namespace switch, and neither leads anywhere else. With its release from the cgroup
// placement it gets one more, read-only: the cgroup's OOM-kill counter file, read into the exit file.
#include "internal.h"
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <sys/uio.h>

#define LINE_MAX_BYTES 16384

static const int forwarded_signals[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT};

struct log_state {
  int dir_fd;
  int fd;
  const char *name;
  uint64_t size;
  uint64_t max_bytes;
  int max_files;
  int format;  // enum aic_log_format
};

struct stream {
  const char *label;   // "stdout" / "stderr"
  int fd;              // read end of the workload's pipe, -1 at EOF
  int passthrough;     // launcher's fd, -1 once it failed or if none
  char line[LINE_MAX_BYTES];
  size_t len;
};

// Copies of the config values live in static storage: this process is a private copy.
static struct log_state g_log;

static void build_rotated_name(char *buf, size_t cap, const char *name, int n) {
  size_t len = 0;
  buf[0] = 0;
  aic_append(buf, cap, &len, name);
  if (n > 0) {
    aic_append(buf, cap, &len, ".");
    aic_append_u64(buf, cap, &len, (uint64_t)n);
  }
}

static void log_open(void) {
  g_log.fd = openat(g_log.dir_fd, g_log.name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  g_log.size = 0;
  if (g_log.fd >= 0) {
    struct stat st;
    if (fstat(g_log.fd, &st) == 0) g_log.size = (uint64_t)st.st_size;
  }
}

static void log_rotate(void) {
  char from[512], to[512];
  if (g_log.fd >= 0) close(g_log.fd);
  g_log.fd = -1;
  if (g_log.max_files <= 1) {
    // Keep one file: start it over.
    (void)unlinkat(g_log.dir_fd, g_log.name, 0);
  } else {
    for (int i = g_log.max_files - 1; i >= 1; i--) {
      build_rotated_name(from, sizeof from, g_log.name, i - 1);
      build_rotated_name(to, sizeof to, g_log.name, i);
      (void)renameat(g_log.dir_fd, from, g_log.dir_fd, to);  // ENOENT for missing ones is fine
    }
  }
  log_open();
}

// The length of the UTF-8 sequence at data[i] if it is a valid one, else 0.
static size_t utf8_sequence(const unsigned char *data, size_t i, size_t len) {
  unsigned char c = data[i];
  size_t n;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > len) return 0;
  for (size_t k = 1; k < n; k++) {
    if ((data[i + k] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (data[i + k] & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

// `text` as the body of a JSON string: quotes, backslashes and control characters escaped,
// bytes that are not UTF-8 replaced by U+FFFD (as Docker's json-file driver does), so that
// every line is valid JSON whatever the workload wrote.
static size_t json_escape(char *out, const char *text, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *data = (const unsigned char *)text;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    unsigned char c = data[i];
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
      i++;
    } else if (c == '\n' || c == '\t' || c == '\r') {
      out[o++] = '\\';
      out[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(out + o, "\\u00", 4);
      out[o + 4] = hex[c >> 4];
      out[o + 5] = hex[c & 15];
      o += 6;
      i++;
    } else if (c < 0x80) {
      out[o++] = (char)c;
      i++;
    } else {
      size_t n = utf8_sequence(data, i, len);
      if (n == 0) {
        memcpy(out + o, "\\ufffd", 6);
        o += 6;
        i++;
      } else {
        memcpy(out + o, data + i, n);
        o += n;
        i += n;
      }
    }
  }
  return o;
}

// One record: at most LINE_MAX_BYTES of text, each byte at most 6 escaped, plus the fields.
static char g_json_line[LINE_MAX_BYTES * 6 + 128];

static void log_line(const char *label, const char *data, size_t len, int partial) {
  if (g_log.dir_fd < 0 || g_log.fd < 0) return;
  char head[64];
  size_t hlen = 0;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct iovec iov[3];
  int niov;
  if (g_log.format == AIC_LOG_FORMAT_JSON) {
    size_t n = 0;
    memcpy(g_json_line, "{\"log\":\"", 8);
    n = 8;
    n += json_escape(g_json_line + n, data, len);
    if (!partial) {
      memcpy(g_json_line + n, "\\n", 2);
      n += 2;
    }
    aic_append(g_json_line, sizeof g_json_line, &n, "\",\"stream\":\"");
    aic_append(g_json_line, sizeof g_json_line, &n, label);
    aic_append(g_json_line, sizeof g_json_line, &n, "\",\"time\":\"");
    aic_append_timestamp(g_json_line, sizeof g_json_line, &n, ts.tv_sec, ts.tv_nsec);
    aic_append(g_json_line, sizeof g_json_line, &n, "\"}\n");
    iov[0] = (struct iovec){g_json_line, n};
    niov = 1;
  } else {
    aic_append_timestamp(head, sizeof head, &hlen, ts.tv_sec, ts.tv_nsec);
    aic_append(head, sizeof head, &hlen, " ");
    aic_append(head, sizeof head, &hlen, label);
    aic_append(head, sizeof head, &hlen, partial ? " P " : " F ");
    iov[0] = (struct iovec){head, hlen};
    iov[1] = (struct iovec){(void *)data, len};
    iov[2] = (struct iovec){"\n", 1};
    niov = 3;
  }
  uint64_t total = 0;
  for (int i = 0; i < niov; i++) total += iov[i].iov_len;
  if (g_log.max_bytes > 0 && g_log.size > 0 && g_log.size + total > g_log.max_bytes) log_rotate();
  if (g_log.fd < 0) return;
  // One writev per line keeps lines whole in the file even if a reader tails it concurrently.
  ssize_t n;
  do {
    n = writev(g_log.fd, iov, niov);
  } while (n < 0 && errno == EINTR);
  if (n > 0) g_log.size += (uint64_t)n;
}

static void stream_consume(struct stream *s, const char *data, size_t n) {
  if (s->passthrough >= 0 && aic_write_all(s->passthrough, data, n) < 0) {
    // The launcher went away (EPIPE/EIO): keep logging, stop copying.
    s->passthrough = -1;
  }
  for (size_t i = 0; i < n; i++) {
    char c = data[i];
    if (c == '\n') {
      log_line(s->label, s->line, s->len, 0);
      s->len = 0;
      continue;
    }
    s->line[s->len++] = c;
    if (s->len == sizeof s->line) {
      log_line(s->label, s->line, s->len, 1);
      s->len = 0;
    }
  }
}

static void stream_read(struct stream *s) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n > 0) {
      stream_consume(s, buf, (size_t)n);
      if ((size_t)n < sizeof buf) return;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    // EOF or error: flush a trailing partial line as a full one and stop watching.
    if (s->len > 0) {
      log_line(s->label, s->line, s->len, 0);
      s->len = 0;
    }
    close(s->fd);
    s->fd = -1;
    return;
  }
}

static void write_exit_file(int fd, pid_t pid, int exited, int value, int oom_killed) {
  if (fd < 0) return;
  char json[512];
  size_t len = 0;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  aic_append(json, sizeof json, &len, "{\"pid\":");
  aic_append_i64(json, sizeof json, &len, pid);
  if (exited) {
    aic_append(json, sizeof json, &len, ",\"exitCode\":");
    aic_append_i64(json, sizeof json, &len, value);
    aic_append(json, sizeof json, &len, ",\"signal\":null");
  } else {
    aic_append(json, sizeof json, &len, ",\"exitCode\":");
    aic_append_i64(json, sizeof json, &len, 128 + value);
    aic_append(json, sizeof json, &len, ",\"signal\":");
    aic_append_i64(json, sizeof json, &len, value);
  }
  aic_append(json, sizeof json, &len, oom_killed ? ",\"oomKilled\":true" : ",\"oomKilled\":false");
  aic_append(json, sizeof json, &len, ",\"finishedAt\":\"");
  aic_append_timestamp(json, sizeof json, &len, ts.tv_sec, ts.tv_nsec);
  aic_append(json, sizeof json, &len, "\"}\n");
  // Into the empty file the launcher made, at its start (nothing else writes it): a write this
  // small to a regular file is one copy under the inode's lock, so readers see it empty or
  // whole, and an empty file reads as "no exit recorded".
  (void)aic_write_all(fd, json, len);
}

// Whether the counter file (memory.events on v2, memory.oom_control on v1) has a line
// `oom_kill N` with N > 0. The kernel counts a kill before it sends the SIGKILL, so once the
// workload is reaped the count includes whatever ended it.
static int counted_oom_kill(int fd) {
  if (fd < 0) return 0;
  char buf[1024];
  ssize_t n;
  do {
    n = pread(fd, buf, sizeof buf - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return 0;
  buf[n] = 0;
  static const char key[] = "oom_kill ";
  for (char *line = buf; *line;) {
    char *end = line;
    while (*end && *end != '\n') end++;
    if ((size_t)(end - line) > sizeof key - 1 && memcmp(line, key, sizeof key - 1) == 0) {
      for (char *d = line + sizeof key - 1; d < end; d++)
        if (*d >= '1' && *d <= '9') return 1;
      return 0;
    }
    line = *end ? end + 1 : end;
  }
  return 0;
}

void aic_init_main(const struct aic_init_config *c) {
  int error_fd = c->error_fd, sync_fd = c->sync_fd, oom_counter_fd = -1;
  if (sync_fd >= 0) {
    // The release byte, with the cgroup's OOM-kill counter file (read-only) when there is one.
    // No byte: the parent could not place us in the cgroup and gave up; it reports why.
    char b = 0;
    if (aic_receive_byte_with_fd(sync_fd, &b, &oom_counter_fd) != 1 || b != 1) _exit(125);
    close(sync_fd);
  }
  // Placed now (by CLONE_INTO_CGROUP or the parent): the namespace is rooted at the instance's cgroup.
  if (c->cgroup_namespace && unshare(CLONE_NEWCGROUP) < 0) aic_fail(error_fd, AIC_STAGE_CGROUP_NS, errno, -1, 125);

  g_log.dir_fd = c->log_dir_fd;
  g_log.fd = -1;
  g_log.name = c->log_name;
  g_log.max_bytes = c->log_max_bytes;
  g_log.max_files = c->log_max_files < 1 ? 1 : c->log_max_files;
  g_log.format = c->log_format;
  if (g_log.dir_fd >= 0 && g_log.name) {
    log_open();
    if (g_log.fd < 0) aic_fail(error_fd, AIC_STAGE_LOG_OPEN, errno, -1, 125);
  }

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
    aic_fail(error_fd, AIC_STAGE_PIPES, errno, -1, 125);

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  for (size_t i = 0; i < sizeof forwarded_signals / sizeof forwarded_signals[0]; i++)
    sigaddset(&set, forwarded_signals[i]);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) aic_fail(error_fd, AIC_STAGE_SIGNALS, errno, -1, 125);

  pid_t child = _Fork();
  if (child < 0) aic_fail(error_fd, AIC_STAGE_FORK, errno, -1, 125);
  if (child == 0) {
    close(sfd);
    aic_become_workload(&c->process, c->stdin_fd, out_pipe[1], err_pipe[1], error_fd);
  }

  // The launcher sees EOF on the error pipe once the workload exec'd (it holds the last copy).
  close(error_fd);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (c->stdin_fd >= 0) close(c->stdin_fd);
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);

  static struct stream out, err;
  out.label = "stdout";
  out.fd = out_pipe[0];
  out.passthrough = c->passthrough_out;
  err.label = "stderr";
  err.fd = err_pipe[0];
  err.passthrough = c->passthrough_err;

  int exited = 0, value = 0, done = 0;
  struct timespec deadline = {0, 0};
  aic_exec_server_init(c->exec_listen_fd, &c->process);

  for (;;) {
    struct pollfd pfd[3 + AIC_EXEC_SERVER_POLLFDS] = {{sfd, POLLIN, 0}, {out.fd, POLLIN, 0}, {err.fd, POLLIN, 0}};
    int npfd = 3 + aic_exec_server_pollfds(pfd, 3, !done);
    int timeout = -1;
    if (done) {
      if (out.fd < 0 && err.fd < 0) break;
      // Output held open by something outside our namespace: give it a bounded drain.
      struct timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      long ms = (deadline.tv_sec - now.tv_sec) * 1000 + (deadline.tv_nsec - now.tv_nsec) / 1000000;
      if (ms <= 0) break;
      timeout = (int)ms;
    }
    int n = poll(pfd, (nfds_t)npfd, timeout);
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (pfd[1].revents) stream_read(&out);
    if (pfd[2].revents) stream_read(&err);
    aic_exec_server_handle(pfd);
    if (pfd[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo != SIGCHLD) {
          if (!done) kill(child, (int)si.ssi_signo);
          continue;
        }
      }
      int status;
      pid_t p;
      while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p != child) {
          aic_exec_server_reaped(p, status);
          continue;
        }
        if (done) continue;
        done = 1;
        aic_exec_server_stop();
        if (WIFEXITED(status)) {
          exited = 1;
          value = WEXITSTATUS(status);
        } else {
          exited = 0;
          value = WTERMSIG(status);
        }
        // The instance ends with its workload: nothing else may linger or keep the pipes open.
        kill(-1, SIGKILL);
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += 2;
      }
    }
  }
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  if (out.fd >= 0) stream_read(&out);
  if (err.fd >= 0) stream_read(&err);
  if (out.len) log_line(out.label, out.line, out.len, 0);
  if (err.len) log_line(err.label, err.line, err.len, 0);

  // Read here, not only by the agent from the cgroup: systemd removes an emptied scope's cgroup,
  // maybe before the agent, woken by this exit, gets to it. The descriptor is of that one file,
  // read-only; this process is non-dumpable and every child closes it before its identity switch.
  write_exit_file(c->exit_fd, child, exited, value, counted_oom_kill(oom_counter_fd));
  _exit(exited ? value : 128 + value);
}
