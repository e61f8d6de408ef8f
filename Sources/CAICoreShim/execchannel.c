// execchannel.c — the agent's side of the init's exec channel (protocol in initexec.c).
#include "aicore_shim.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

long aic_exec_channel_receive(int fd, void *buffer, size_t capacity) {
  ssize_t n;
  do {
    n = recv(fd, buffer, capacity, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : (long)n;
}
