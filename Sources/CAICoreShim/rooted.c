// rooted.c — the system calls behind RootedDirectory (AICoreSystem) that Swift cannot make:
// openat2 has no glibc 2.36 wrapper, makedev is a macro, and <sys/xattr.h> is not in Swift's
// Glibc module. Parent side only (never between clone and exec).
//
// Extended attributes have no *at form before Linux 6.13 (setxattrat), and fsetxattr refuses
// O_PATH descriptors, which are the only kind a symlink or a device node can be held by without
// opening it. So an entry is named through procfs instead: /proc/self/fd/N/NAME with the l*
// calls (the magic link is a directory component, and the final NAME is not followed), or
// /proc/self/fd/N alone with the following calls (the kernel jumps to the descriptor's own
// inode and follows nothing after the jump, even when that inode is a symlink).
#define _GNU_SOURCE
#include "aicore_shim.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int open_resolved(int dirfd, const char *path, int flags, unsigned int mode, uint64_t resolve) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (uint64_t)(unsigned int)(flags | O_CLOEXEC);
  // The kernel refuses a mode without O_CREAT or O_TMPFILE (EINVAL), unlike openat.
  if (flags & (O_CREAT | __O_TMPFILE)) how.mode = mode;
  how.resolve = resolve;
  for (int attempt = 0;; attempt++) {
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno == EINTR || (errno == EAGAIN && attempt < 16)) continue;
    return -errno;
  }
}

int aic_open_beneath(int dirfd, const char *path, int flags, unsigned int mode) {
  return open_resolved(dirfd, path, flags, mode, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int aic_open_in_root(int dirfd, const char *path, int flags, unsigned int mode) {
  return open_resolved(dirfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

int aic_open_in_root_following(int dirfd, const char *path, int flags, unsigned int mode) {
  return open_resolved(dirfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

int aic_mknodat(int dirfd, const char *name, unsigned int mode, unsigned int major, unsigned int minor) {
  return mknodat(dirfd, name, (mode_t)mode, makedev(major, minor)) == 0 ? 0 : -errno;
}

// "/proc/self/fd/N" or "/proc/self/fd/N/NAME" into buf; 0, or -ENAMETOOLONG / -EINVAL.
static int proc_path(char *buf, size_t cap, int fd, const char *name) {
  if (name && (name[0] == 0 || strchr(name, '/') != NULL)) return -EINVAL;
  int n = name ? snprintf(buf, cap, "/proc/self/fd/%d/%s", fd, name) : snprintf(buf, cap, "/proc/self/fd/%d", fd);
  return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int aic_xattr_set(int fd, const char *name, const char *key, const void *value, size_t size) {
  char path[4096 + 64];
  int rc = proc_path(path, sizeof path, fd, name);
  if (rc < 0) return rc;
  rc = name ? lsetxattr(path, key, value, size, 0) : setxattr(path, key, value, size, 0);
  return rc == 0 ? 0 : -errno;
}

long aic_xattr_get(int fd, const char *name, const char *key, void *value, size_t size) {
  char path[4096 + 64];
  int rc = proc_path(path, sizeof path, fd, name);
  if (rc < 0) return rc;
  ssize_t n = name ? lgetxattr(path, key, value, size) : getxattr(path, key, value, size);
  return n >= 0 ? (long)n : -errno;
}

long aic_xattr_list(int fd, const char *name, char *list, size_t size) {
  char path[4096 + 64];
  int rc = proc_path(path, sizeof path, fd, name);
  if (rc < 0) return rc;
  ssize_t n = name ? llistxattr(path, list, size) : listxattr(path, list, size);
  return n >= 0 ? (long)n : -errno;
}
