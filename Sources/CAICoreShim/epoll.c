// epoll.c — thin epoll wrappers for the Swift exit monitor (parent side).
#include "aicore_shim.h"
#include <errno.h>
#include <sys/epoll.h>

int aic_epoll_create(void) {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int aic_epoll_add_oneshot(int epfd, int fd, uint64_t id) {
  struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = id};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int aic_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0; }

int aic_epoll_wait_ids(int epfd, uint64_t *ids, int max) {
  struct epoll_event evs[64];
  if (max > 64) max = 64;
  int n;
  do {
    n = epoll_wait(epfd, evs, max, -1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (int i = 0; i < n; i++) ids[i] = evs[i].data.u64;
  return n;
}

int aic_epoll_add(int epfd, int fd, uint64_t id) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = id};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int aic_epoll_wait_ids_timeout(int epfd, uint64_t *ids, int max, int timeout_ms) {
  struct epoll_event evs[64];
  if (max > 64) max = 64;
  int n;
  do {
    n = epoll_wait(epfd, evs, max, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (int i = 0; i < n; i++) ids[i] = evs[i].data.u64;
  return n;
}
