// handover.c — descriptors the agent prepares for an instance's init, chosen so that a workload
// that reaches them (through /proc/1/fd or /proc/1/exe, with CAP_SYS_PTRACE) gains nothing.
#include "internal.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

int aic_open_detached_directory(const char *path) {
  // Not AT_RECURSIVE: a mount below `path` is not part of the copy, so it cannot be reached
  // through it either.
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0) return -errno;
  struct stat st;
  int e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (e) {
    close(fd);
    return -e;
  }
  return fd;
}

int aic_open_sealed_program(const char *path) {
  int src = open(path, O_RDONLY | O_CLOEXEC);
  if (src < 0) return -errno;
  struct stat st;
  int e = fstat(src, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EINVAL;
  if (e) {
    close(src);
    return -e;
  }
  // Kernels that restrict executable memfds (vm.memfd_noexec) want MFD_EXEC; older ones refuse it.
  int fd = (int)syscall(SYS_memfd_create, "aicore-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = (int)syscall(SYS_memfd_create, "aicore-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    e = errno;
    close(src);
    return -e;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = read(src, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      e = errno;
      close(src);
      close(fd);
      return -e;
    }
    if (n == 0) break;
    int rc = aic_write_all(fd, buf, (size_t)n);
    if (rc < 0) {
      close(src);
      close(fd);
      return rc;
    }
  }
  close(src);
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
    e = errno;
    close(fd);
    return -e;
  }
  return fd;
}
