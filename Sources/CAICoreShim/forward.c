// forward.c — signal forwarding for the foreground `aicore-node run` (parent side).
#include "aicore_shim.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int g_forward_pidfd = -1;

static void forward(int sig) {
  int saved = errno;
  int fd = g_forward_pidfd;
  if (fd >= 0) syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
  errno = saved;
}

int aic_forward_signals(int pidfd) {
  static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  g_forward_pidfd = pidfd;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigaction(sigs[i], &sa, NULL) < 0) return -errno;
  return 0;
}
