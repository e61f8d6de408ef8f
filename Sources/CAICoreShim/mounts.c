// mounts.c — executes the mount plan that Swift computed (MountPlan) inside the new mount
// namespace. Each op is a few syscalls; the plan itself (order, flags, paths) is pure data so it
// is unit-tested in Swift, and this file stays a small interpreter.
//
// Mounts follow no symlinks. A volume's host directory outlives its instance and the workload
// writes it, so anything below a volume (and the whole of a writable root) may be a symlink the
// workload left for the next start: to the host's `/`, or out of the root. Paths are therefore
// never handed to mount(2) as strings once the new root is bound. Each is opened with openat2:
// instance paths beneath the root (RESOLVE_IN_ROOT), bind sources on the host, both with
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, so a symlink in any component fails with ELOOP
// (reported as a refusal) instead of being followed. The op then works on the descriptor, and a
// later swap of the path changes nothing: binds are open_tree(OPEN_TREE_CLONE) +
// move_mount, new filesystems fsopen + fsconfig + fsmount + move_mount, attributes
// mount_setattr(AT_EMPTY_PATH), and mount points are made with mkdirat/openat/symlinkat in a
// parent directory opened the same way. This is runc's answer to CVE-2021-30465 (mount
// destinations swapped for symlinks between check and use), made by the kernel instead of a
// userspace walk.
#include "internal.h"
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define AIC_RESOLVE_STRICT (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

// What the interpreter carries from op to op.
struct mount_state {
  int root;    // the bound new root (AIC_OP_OPEN_ROOT), or -1
  int detail;  // enum aic_error_detail of the last failure
};

static int close_keeping_errno(int fd) {
  int saved = errno;
  if (fd >= 0) close(fd);
  errno = saved;
  return -1;
}

// Opens `path` as `resolution` says. openat2 may say EAGAIN when a rename raced a RESOLVE_IN_ROOT
// walk; it is retried a bounded number of times.
static int open_path(const struct mount_state *st, int resolution, const char *path, int flags) {
  if (!path) {
    errno = EINVAL;
    return -1;
  }
  if (resolution == AIC_PATH_HOST) {
    int fd;
    do fd = open(path, flags | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    return fd;
  }
  struct open_how how;
  for (size_t i = 0; i < sizeof how; i++) ((char *)&how)[i] = 0;
  how.flags = (uint64_t)(flags | O_CLOEXEC);
  how.resolve = AIC_RESOLVE_STRICT;
  int dirfd = AT_FDCWD;
  if (resolution == AIC_PATH_IN_ROOT) {
    if (st->root < 0) {
      errno = EBADF;  // a plan bug: an instance path before the root was opened
      return -1;
    }
    dirfd = st->root;
    how.resolve |= RESOLVE_IN_ROOT;
  } else if (resolution != AIC_PATH_HOST_NO_SYMLINKS) {
    errno = EINVAL;
    return -1;
  }
  for (int attempt = 0;; attempt++) {
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno == EINTR || (errno == EAGAIN && attempt < 16)) continue;
    return -1;
  }
}

static int open_target(struct mount_state *st, const struct aic_mount_op *op, int flags) {
  int fd = open_path(st, op->target_resolution, op->target, flags);
  if (fd < 0) st->detail = AIC_DETAIL_TARGET;
  return fd;
}

static int open_source(struct mount_state *st, const struct aic_mount_op *op, int flags) {
  int fd = open_path(st, op->source_resolution, op->source, flags);
  if (fd < 0) st->detail = AIC_DETAIL_SOURCE;
  return fd;
}

// Opens the directory that holds op->target and points *name at the last component (in buf).
static int open_target_parent(struct mount_state *st, const struct aic_mount_op *op, char *buf, size_t cap,
                              const char **name) {
  size_t len = aic_strlen(op->target);
  if (len == 0 || len >= cap) {
    errno = len == 0 ? EINVAL : ENAMETOOLONG;
    return -1;
  }
  for (size_t i = 0; i <= len; i++) buf[i] = op->target[i];
  while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
  size_t slash = len;
  while (slash > 0 && buf[slash - 1] != '/') slash--;
  const char *last = buf + slash;
  if (slash == 0 || *last == 0 || (last[0] == '.' && (last[1] == 0 || (last[1] == '.' && last[2] == 0)))) {
    errno = EINVAL;  // no parent to make it in: "/", a relative path, or a dot component
    return -1;
  }
  // "/x" → parent "/"; "/a/b" → parent "/a".
  char keep = buf[slash == 1 ? 1 : slash - 1];
  buf[slash == 1 ? 1 : slash - 1] = 0;
  struct aic_mount_op parent = *op;
  parent.target = buf;
  int fd = open_target(st, &parent, O_PATH | O_DIRECTORY);
  buf[slash == 1 ? 1 : slash - 1] = keep;
  *name = last;
  return fd;
}

// Attaches a detached mount (open_tree / fsmount) at the target descriptor.
static int attach(int tree, int target) {
  if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return -1;
  return 0;
}

// A copy of the mount at `source` (and its submounts when recursive) attached at `target`.
static int bind_fd(int source, int target, int recursive) {
  long tree = syscall(SYS_open_tree, source, "",
                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return -1;
  int r = attach((int)tree, target);
  close_keeping_errno((int)tree);
  return r;
}

// One "key[=value]" of a mount data string, given to fsconfig.
static int configure(int fs, char *item) {
  if (*item == 0) return 0;
  char *value = item;
  while (*value && *value != '=') value++;
  if (*value == '=') {
    *value++ = 0;
    return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, item, value, 0);
  }
  return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, item, NULL, 0);
}

// A new filesystem (tmpfs, proc, sysfs, devpts, mqueue) attached at `target`. MS_RDONLY makes
// the superblock and the mount read-only; the other flags become mount attributes.
static int new_filesystem(int target, const char *fstype, const char *source, unsigned long flags, const char *data) {
  const unsigned long known = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_STRICTATIME;
  if (!fstype || (flags & ~known)) {
    errno = EINVAL;  // a plan bug: a flag that has no mount attribute here
    return -1;
  }
  char buf[512];
  size_t len = aic_strlen(data);
  if (len >= sizeof buf) {
    errno = E2BIG;
    return -1;
  }
  long fs = syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  if (source && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
    return close_keeping_errno((int)fs);
  if ((flags & MS_RDONLY) && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0)
    return close_keeping_errno((int)fs);
  for (size_t i = 0; i <= len; i++) buf[i] = data ? data[i] : 0;
  char *item = buf;
  for (size_t i = 0; i <= len; i++) {
    if (buf[i] != ',' && buf[i] != 0) continue;
    buf[i] = 0;
    if (configure((int)fs, item) < 0) return close_keeping_errno((int)fs);
    item = buf + i + 1;
  }
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) return close_keeping_errno((int)fs);
  unsigned int attrs = 0;
  if (flags & MS_RDONLY) attrs |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) attrs |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) attrs |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) attrs |= MOUNT_ATTR_NOEXEC;
  if (flags & MS_STRICTATIME) attrs |= MOUNT_ATTR_STRICTATIME;
  long mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  close_keeping_errno((int)fs);
  if (mnt < 0) return -1;
  int r = attach((int)mnt, target);
  close_keeping_errno((int)mnt);
  return r;
}

static int setattr_fd(int fd, uint64_t attr, int recursive) {
  struct mount_attr a;
  for (size_t i = 0; i < sizeof a; i++) ((char *)&a)[i] = 0;
  a.attr_set = attr;
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a, sizeof a);
}

static int setattr(struct mount_state *st, const struct aic_mount_op *op, uint64_t attr) {
  if (attr == 0) {
    errno = EINVAL;  // an attribute change that changes nothing is a plan bug, not a no-op
    return -1;
  }
  int fd = open_target(st, op, O_PATH);
  if (fd < 0) return -1;
  int r = setattr_fd(fd, attr, op->mode != 0);
  close_keeping_errno(fd);
  return r;
}

static int op_mount(struct mount_state *st, const struct aic_mount_op *op) {
  if (op->target_resolution == AIC_PATH_HOST) {
    // The agent's own paths ("/" and the new root's mount point in the state dir), before
    // anything of the instance is mounted.
    if (op->source_resolution != AIC_PATH_NONE && op->source_resolution != AIC_PATH_HOST) {
      errno = EINVAL;
      return -1;
    }
    return mount(op->source, op->target, op->fstype, op->flags, op->data);
  }
  int target = open_target(st, op, O_PATH);
  if (target < 0) return -1;
  int r;
  if (op->flags & MS_BIND) {
    if (op->flags & ~(unsigned long)(MS_BIND | MS_REC)) {
      errno = EINVAL;  // a plan bug: bind flags go on with mount_setattr ops
      return close_keeping_errno(target);
    }
    int source = open_source(st, op, O_PATH);
    if (source < 0) return close_keeping_errno(target);
    r = bind_fd(source, target, (op->flags & MS_REC) != 0);
    close_keeping_errno(source);
  } else {
    r = new_filesystem(target, op->fstype, op->source, op->flags, op->data);
  }
  close_keeping_errno(target);
  return r;
}

static int op_mask(struct mount_state *st, const struct aic_mount_op *op) {
  // A file is hidden behind a bind of /dev/null; a directory behind an empty read-only tmpfs.
  int target = open_target(st, op, O_PATH);
  if (target < 0) return -1;
  struct stat sb;
  int r = fstat(target, &sb);
  if (r == 0 && S_ISDIR(sb.st_mode)) {
    r = new_filesystem(target, "tmpfs", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k,mode=0555");
  } else if (r == 0) {
    int source = open_source(st, op, O_PATH);
    r = source < 0 ? -1 : bind_fd(source, target, 0);
    if (source >= 0) close_keeping_errno(source);
  }
  close_keeping_errno(target);
  return r;
}

// mkdir, create a file, symlink or unmount: in the target's parent directory, opened beneath
// the root with no symlink; the last component itself is never followed.
static int op_in_parent(struct mount_state *st, const struct aic_mount_op *op) {
  char buf[4096];
  const char *name = NULL;
  int parent = open_target_parent(st, op, buf, sizeof buf, &name);
  if (parent < 0) return -1;
  int r = 0;
  switch (op->kind) {
  case AIC_OP_MKDIR:
    if (mkdirat(parent, name, op->mode) < 0 && errno != EEXIST) r = -1;
    break;
  case AIC_OP_MKFILE: {
    // Existing mount points are fine, also on a read-only root (O_CREAT would say EROFS).
    struct stat sb;
    if (fstatat(parent, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) break;
    int fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, op->mode);
    if (fd >= 0) close(fd);
    else if (errno != EEXIST) r = -1;
    break;
  }
  case AIC_OP_SYMLINK:
    if (symlinkat(op->source, parent, name) < 0 && errno != EEXIST) r = -1;
    break;
  case AIC_OP_UNMOUNT:
    // umount2 takes a path only: resolved from the parent as the cwd, last component unfollowed.
    if (fchdir(parent) < 0) r = -1;
    else if (umount2(name, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL) r = -1;
    break;
  default:
    errno = EINVAL;
    r = -1;
  }
  close_keeping_errno(parent);
  return r;
}

// A secret's or config's copy in the instance's staging tmpfs (a host path of the agent's own,
// mounted in this namespace only): a new file, never one that was there or a symlink, written
// whole, then given its owner and mode explicitly (the umask does not apply to fchmod).
static int write_file(const struct aic_mount_op *op) {
  int fd;
  do fd = open(op->target, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < op->content_len) {
    ssize_t n = write(fd, op->content + done, op->content_len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return close_keeping_errno(fd);
    done += (size_t)n;
  }
  if (fchown(fd, op->uid, op->gid) < 0 || fchmod(fd, op->mode) < 0) return close_keeping_errno(fd);
  return close(fd);
}

// The same ops on a host path of the agent's own.
static int op_on_host_path(const struct aic_mount_op *op) {
  switch (op->kind) {
  case AIC_OP_WRITE_FILE:
    return write_file(op);
  case AIC_OP_MKDIR:
    return mkdir(op->target, op->mode) < 0 && errno != EEXIST ? -1 : 0;
  case AIC_OP_SETATTR:
  case AIC_OP_NOSUID_NODEV: {
    uint64_t attr = op->kind == AIC_OP_SETATTR ? op->flags : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (attr == 0) {
      errno = EINVAL;
      return -1;
    }
    struct mount_attr a;
    for (size_t i = 0; i < sizeof a; i++) ((char *)&a)[i] = 0;
    a.attr_set = attr;
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, op->target,
                        (op->mode ? AT_RECURSIVE : 0) | AT_SYMLINK_NOFOLLOW, &a, sizeof a);
  }
  default:
    errno = EINVAL;
    return -1;
  }
}

static int run_op(struct mount_state *st, const struct aic_mount_op *op) {
  if (op->kind == AIC_OP_MOUNT) return op_mount(st, op);
  if (op->kind == AIC_OP_OPEN_ROOT) {
    if (op->target_resolution != AIC_PATH_HOST) {
      errno = EINVAL;
      return -1;
    }
    int fd = open_target(st, op, O_PATH | O_DIRECTORY);
    if (fd < 0) return -1;
    if (st->root >= 0) close(st->root);
    st->root = fd;
    return 0;
  }
  if (op->kind == AIC_OP_PIVOT) {
    // pivot_root(".", ".") stacks the old root on top of the new one, so no put_old directory
    // is needed inside a read-only root; the detach then drops the whole host tree.
    if (chdir(op->target) < 0) return -1;
    if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
    if (umount2(".", MNT_DETACH) < 0) return -1;
    return chdir("/");
  }
  if (op->target_resolution == AIC_PATH_HOST) return op_on_host_path(op);
  if (op->target_resolution != AIC_PATH_IN_ROOT) {
    errno = EINVAL;
    return -1;
  }
  switch (op->kind) {
  case AIC_OP_MKDIR:
  case AIC_OP_MKFILE:
  case AIC_OP_SYMLINK:
  case AIC_OP_UNMOUNT:
    return op_in_parent(st, op);
  case AIC_OP_SETATTR:
    return setattr(st, op, op->flags);
  case AIC_OP_NOSUID_NODEV:
    return setattr(st, op, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  case AIC_OP_MASK:
    return op_mask(st, op);
  default:
    errno = EINVAL;
    return -1;
  }
}

int aic_run_mount_ops(const struct aic_mount_op *ops, size_t nops, size_t *failed, int *detail) {
  struct mount_state st = {.root = -1, .detail = AIC_DETAIL_NONE};
  for (size_t i = 0; i < nops; i++) {
    st.detail = AIC_DETAIL_NONE;
    if (run_op(&st, &ops[i]) < 0) {
      int err = errno;
      if (ops[i].optional && err == ENOENT) continue;
      if (st.root >= 0) close(st.root);
      *failed = i;
      *detail = st.detail;
      return -err;
    }
  }
  if (st.root >= 0) close(st.root);
  return 0;
}
