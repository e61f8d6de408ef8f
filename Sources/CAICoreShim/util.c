// util.c — async-signal-safe helpers for the child side (see internal.h).
#include "internal.h"
#include <fcntl.h>
#include <malloc.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

void aic_report(int error_fd, int stage, int err, int index) {
  aic_report_detail(error_fd, stage, err, index, AIC_DETAIL_NONE);
}

void aic_report_detail(int error_fd, int stage, int err, int index, int detail) {
  if (error_fd < 0) return;
  struct aic_child_error e = {.stage = stage, .err = err, .index = index, .detail = detail};
  (void)aic_write_all(error_fd, &e, sizeof e);
}

void aic_fail(int error_fd, int stage, int err, int index, int code) {
  aic_report(error_fd, stage, err, index);
  _exit(code);
}

size_t aic_strlen(const char *s) {
  size_t n = 0;
  if (!s) return 0;
  while (s[n]) n++;
  return n;
}

int aic_append(char *buf, size_t cap, size_t *len, const char *s) {
  size_t n = aic_strlen(s);
  if (*len + n >= cap) return -1;
  for (size_t i = 0; i < n; i++) buf[*len + i] = s[i];
  *len += n;
  buf[*len] = 0;
  return 0;
}

int aic_append_u64(char *buf, size_t cap, size_t *len, uint64_t v) {
  char tmp[24];
  int i = 0;
  do {
    tmp[i++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && i < (int)sizeof tmp);
  if (*len + (size_t)i >= cap) return -1;
  while (i > 0) buf[(*len)++] = tmp[--i];
  buf[*len] = 0;
  return 0;
}

int aic_append_i64(char *buf, size_t cap, size_t *len, int64_t v) {
  if (v < 0) {
    if (aic_append(buf, cap, len, "-") < 0) return -1;
    return aic_append_u64(buf, cap, len, (uint64_t)(-(v + 1)) + 1);
  }
  return aic_append_u64(buf, cap, len, (uint64_t)v);
}

static int append_padded(char *buf, size_t cap, size_t *len, uint64_t v, int width) {
  char tmp[24];
  for (int i = width - 1; i >= 0; i--) {
    tmp[i] = (char)('0' + v % 10);
    v /= 10;
  }
  tmp[width] = 0;
  return aic_append(buf, cap, len, tmp);
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm); gmtime_r is not
// async-signal-safe, this is plain arithmetic.
int aic_append_timestamp(char *buf, size_t cap, size_t *len, int64_t sec, long nsec) {
  int64_t days = sec / 86400;
  int64_t rem = sec % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y += 1;
  if (append_padded(buf, cap, len, (uint64_t)y, 4) < 0) return -1;
  if (aic_append(buf, cap, len, "-") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)m, 2) < 0) return -1;
  if (aic_append(buf, cap, len, "-") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)d, 2) < 0) return -1;
  if (aic_append(buf, cap, len, "T") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)(rem / 3600), 2) < 0) return -1;
  if (aic_append(buf, cap, len, ":") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)((rem % 3600) / 60), 2) < 0) return -1;
  if (aic_append(buf, cap, len, ":") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)(rem % 60), 2) < 0) return -1;
  if (aic_append(buf, cap, len, ".") < 0) return -1;
  if (append_padded(buf, cap, len, (uint64_t)nsec, 9) < 0) return -1;
  return aic_append(buf, cap, len, "Z");
}

int aic_write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

void aic_close_except(const int *keep, size_t nkeep) {
  // Sort a copy of the kept fds (tiny insertion sort), then close the gaps between them.
  int sorted[32];
  size_t n = 0;
  for (size_t i = 0; i < nkeep && n < 32; i++) {
    if (keep[i] < 0) continue;
    int v = keep[i];
    size_t j = n++;
    while (j > 0 && sorted[j - 1] > v) {
      sorted[j] = sorted[j - 1];
      j--;
    }
    sorted[j] = v;
  }
  unsigned int from = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned int fd = (unsigned int)sorted[i];
    if (fd > from) syscall(SYS_close_range, from, fd - 1, 0);
    if (fd + 1 > from) from = fd + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

void aic_reset_signal_dispositions(void) {
  struct sigaction sa;
  for (size_t i = 0; i < sizeof sa; i++) ((char *)&sa)[i] = 0;
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    (void)sigaction(sig, &sa, NULL);  // EINVAL for glibc-reserved signals is fine
  }
}

int aic_pipe_cloexec(int fds[2]) {
  return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}

int aic_malloc_arena_max(int arenas) { return mallopt(M_ARENA_MAX, arenas) == 1 ? 0 : -1; }

// The message both ends use: one byte, room for one descriptor.
struct byte_with_fd {
  char byte;
  struct iovec iov;
  struct msghdr msg;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;  // last: clang counts CMSG_SPACE as a variable size
};

static void byte_with_fd_init(struct byte_with_fd *m, char byte, int with_control) {
  memset(m, 0, sizeof *m);
  m->byte = byte;
  m->iov.iov_base = &m->byte;
  m->iov.iov_len = 1;
  m->msg.msg_iov = &m->iov;
  m->msg.msg_iovlen = 1;
  if (with_control) {
    m->msg.msg_control = m->control.buf;
    m->msg.msg_controllen = sizeof m->control.buf;
  }
}

int aic_send_byte_with_fd(int sock, char byte, int fd) {
  struct byte_with_fd m;
  byte_with_fd_init(&m, byte, fd >= 0);
  if (fd >= 0) {
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m.msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  }
  ssize_t n;
  do {
    n = sendmsg(sock, &m.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == 1 ? 0 : -errno;
}

int aic_receive_byte_with_fd(int sock, char *byte, int *fd) {
  struct byte_with_fd m;
  byte_with_fd_init(&m, 0, 1);
  ssize_t n;
  do {
    n = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m.msg); cm; cm = CMSG_NXTHDR(&m.msg, cm)) {
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd, CMSG_DATA(cm), sizeof(int));
  }
  *byte = m.byte;
  return (int)n;
}
