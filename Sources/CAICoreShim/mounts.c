// mounts.c — executes the mount plan that Swift computed (MountPlan) inside the new mount
// namespace. Each op is one or two syscalls; the plan itself (order, flags, paths) is pure data
// so it is unit-tested in Swift, and this file stays a small interpreter.
#include "internal.h"
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int do_setattr(const char *target, uint64_t attr, int recursive) {
  struct mount_attr a;
  for (size_t i = 0; i < sizeof a; i++) ((char *)&a)[i] = 0;
  a.attr_set = attr;
  return (int)syscall(SYS_mount_setattr, AT_FDCWD, target,
                      (recursive ? AT_RECURSIVE : 0) | AT_SYMLINK_NOFOLLOW, &a, sizeof a);
}

static int run_op(const struct aic_mount_op *op) {
  switch (op->kind) {
  case AIC_OP_MOUNT:
    return mount(op->source, op->target, op->fstype, op->flags, op->data);
  case AIC_OP_MKDIR:
    if (mkdir(op->target, op->mode) < 0 && errno != EEXIST) return -1;
    return 0;
  case AIC_OP_MKFILE: {
    // Existing mount points are fine, also on a read-only root (open(O_CREAT) would say EROFS).
    struct stat st;
    if (lstat(op->target, &st) == 0) return 0;
    int fd = open(op->target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, op->mode);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
  }
  case AIC_OP_SYMLINK:
    if (symlink(op->source, op->target) < 0 && errno != EEXIST) return -1;
    return 0;
  case AIC_OP_SETATTR:
    if (op->flags == 0) {
      errno = EINVAL;  // an attribute change that changes nothing is a plan bug, not a no-op
      return -1;
    }
    return do_setattr(op->target, op->flags, op->mode != 0);
  case AIC_OP_MASK:
    // A file is hidden behind a bind of /dev/null; a directory behind an empty read-only tmpfs.
    if (mount(op->source, op->target, NULL, MS_BIND, NULL) == 0) return 0;
    if (errno != ENOTDIR && errno != EISDIR) return -1;
    return mount("tmpfs", op->target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                 "size=0k,mode=0555");
  case AIC_OP_PIVOT:
    // pivot_root(".", ".") stacks the old root on top of the new one, so no put_old directory
    // is needed inside a read-only root; the detach then drops the whole host tree.
    if (chdir(op->target) < 0) return -1;
    if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
    if (umount2(".", MNT_DETACH) < 0) return -1;
    return chdir("/");
  case AIC_OP_NOSUID_NODEV:
    return do_setattr(op->target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, op->mode != 0);
  case AIC_OP_UNMOUNT:
    if (umount2(op->target, MNT_DETACH) < 0 && errno != EINVAL) return -1;
    return 0;
  default:
    errno = EINVAL;
    return -1;
  }
}

int aic_run_mount_ops(const struct aic_mount_op *ops, size_t nops, size_t *failed) {
  for (size_t i = 0; i < nops; i++) {
    if (run_op(&ops[i]) < 0) {
      int err = errno;
      if (ops[i].optional && err == ENOENT) continue;
      *failed = i;
      return -err;
    }
  }
  return 0;
}
