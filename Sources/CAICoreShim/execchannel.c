// execchannel.c — the agent's side of the init's exec channel (protocol in initexec.c).
#include "aicore_shim.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_MAX 65536

static int make_address(const char *path, struct sockaddr_un *addr) {
  size_t len = strlen(path);
  if (len >= sizeof addr->sun_path) return -ENAMETOOLONG;
  memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  memcpy(addr->sun_path, path, len + 1);
  return 0;
}

int aic_exec_channel_listen(const char *path) {
  struct sockaddr_un addr;
  int rc = make_address(path, &addr);
  if (rc < 0) return rc;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  (void)unlink(path);
  // Owner-only before listen(): until then a connect is refused, so no one else gets in between.
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || chmod(path, 0600) < 0 ||
      listen(fd, 64) < 0) {
    int e = errno;
    close(fd);
    (void)unlink(path);
    return -e;
  }
  return fd;
}

int aic_exec_channel_connect(const char *path) {
  struct sockaddr_un addr;
  int rc = make_address(path, &addr);
  if (rc < 0) return rc;
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  // -EAGAIN: the backlog is full (every session busy and 64 waiting); the caller retries.
  int r;
  do {
    r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static int put(char *buf, size_t *len, const void *data, size_t n) {
  if (*len + n > REQUEST_MAX) return -1;
  memcpy(buf + *len, data, n);
  *len += n;
  return 0;
}

static int put_string(char *buf, size_t *len, const char *s) {
  return put(buf, len, s ? s : "", (s ? strlen(s) : 0) + 1);
}

int aic_exec_channel_request(int fd, const struct aic_process *p) {
  char *request = malloc(REQUEST_MAX);
  if (!request) return -ENOMEM;
  uint32_t argc = 0, envc = 0;
  while (p->argv && p->argv[argc]) argc++;
  while (p->envp && p->envp[envc]) envc++;
  size_t len = 0;
  int bad = put(request, &len, "AIX1", 4) || put(request, &len, &argc, 4) || put(request, &len, &envc, 4) ||
            put_string(request, &len, p->path) || put_string(request, &len, p->search_path) ||
            put_string(request, &len, p->cwd);
  for (uint32_t i = 0; !bad && i < argc; i++) bad = put_string(request, &len, p->argv[i]);
  for (uint32_t i = 0; !bad && i < envc; i++) bad = put_string(request, &len, p->envp[i]);
  int rc = 0;
  if (bad) {
    rc = -E2BIG;
  } else {
    ssize_t n;
    do {
      n = send(fd, request, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) rc = -errno;
  }
  free(request);
  return rc;
}

long aic_exec_channel_receive(int fd, void *buffer, size_t capacity) {
  ssize_t n;
  do {
    n = recv(fd, buffer, capacity, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : (long)n;
}
