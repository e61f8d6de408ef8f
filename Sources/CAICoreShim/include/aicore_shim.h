// aicore_shim.h — the only C interface of aicore-node.
//
// Everything that runs between clone3 and execve lives behind this header, in C, because the
// Swift process is multithreaded: a forked copy of it may only make async-signal-safe calls.
// Swift fills plain structs (strings and arrays it owns and keeps alive for the call); the child
// only reads them (it has a copy-on-write copy of the parent's memory) and makes raw syscalls.
// Symbols are prefixed `aic_`. AICoreOS is the only Swift module that imports this target.
#ifndef AICORE_SHIM_H
#define AICORE_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------------------------
// Child failure reports. The child writes one of these to the O_CLOEXEC error pipe and exits;
// a successful execve closes the pipe, so the parent reading EOF means "the workload runs".
enum aic_stage {
  AIC_STAGE_NONE = 0,
  AIC_STAGE_SIGNALS = 1,
  AIC_STAGE_SETSID,
  AIC_STAGE_HOSTNAME,
  AIC_STAGE_MOUNT,        // index = mount op index
  AIC_STAGE_CLOSE_FDS,
  AIC_STAGE_SYNC,
  AIC_STAGE_LOG_OPEN,
  AIC_STAGE_PIPES,
  AIC_STAGE_FORK,
  AIC_STAGE_STDIO,
  AIC_STAGE_RLIMIT,       // index = rlimit index
  AIC_STAGE_CAP_BOUNDING, // index = capability number
  AIC_STAGE_SETGROUPS,
  AIC_STAGE_SETGID,
  AIC_STAGE_KEEPCAPS,
  AIC_STAGE_SETUID,
  AIC_STAGE_CAPSET,
  AIC_STAGE_AMBIENT,      // index = capability number
  AIC_STAGE_NO_NEW_PRIVS,
  AIC_STAGE_CHDIR,
  AIC_STAGE_SECCOMP,
  AIC_STAGE_EXEC,
  AIC_STAGE_SETNS,
  AIC_STAGE_OOM_SCORE,
  AIC_STAGE_LOOPBACK,
  AIC_STAGE_CGROUP,       // index = which cgroup.procs descriptor
  AIC_STAGE_CGROUP_NS,
  AIC_STAGE_INIT_CONFIG,  // writing (clone) or reading (aicore-init) the init's configuration
  AIC_STAGE_INIT_EXEC,    // execveat of the init program
};

// What of a mount op failed (aic_child_error.detail); 0 when the op as a whole did.
enum aic_error_detail {
  AIC_DETAIL_NONE = 0,
  AIC_DETAIL_SOURCE = 1,  // resolving its source path
  AIC_DETAIL_TARGET = 2,  // resolving its target path (or the target's parent directory)
};

struct aic_child_error {
  int32_t stage;
  int32_t err;    // errno
  int32_t index;  // which mount op / rlimit / capability, or -1
  int32_t detail; // enum aic_error_detail (mount ops), else 0
};

// ---------------------------------------------------------------------------------------------
// Mount plan operations, computed in Swift (MountPlan) and executed in order by the child.
// Paths inside the instance (AIC_PATH_IN_ROOT) are opened beneath the root that
// AIC_OP_OPEN_ROOT opened, with no symlink followed, and the op then acts on the descriptor:
// open_tree + move_mount for binds, fsopen + fsmount + move_mount for new filesystems,
// mount_setattr(AT_EMPTY_PATH), mkdirat/openat/symlinkat in the resolved parent directory.
enum aic_mount_op_kind {
  AIC_OP_MOUNT = 1,  // a bind (MS_BIND [| MS_REC]), a new filesystem (fstype), or a propagation change
  AIC_OP_MKDIR,      // mkdir(target, mode); EEXIST is fine
  AIC_OP_MKFILE,     // create an empty file at target (a bind-mount point); EEXIST is fine
  AIC_OP_SYMLINK,    // symlink(source, target); EEXIST is fine (source is the link's text)
  AIC_OP_SETATTR,    // mount_setattr(target, AT_RECURSIVE if mode != 0, attr_set = flags)
  AIC_OP_MASK,       // bind source (/dev/null) over a file, or a read-only empty tmpfs over a dir
  AIC_OP_PIVOT,      // chdir(target); pivot_root(".", "."); umount2(".", MNT_DETACH); chdir("/")
  AIC_OP_UNMOUNT,    // umount2(target, MNT_DETACH); EINVAL (not a mount point) is fine
  AIC_OP_NOSUID_NODEV,  // mount_setattr(target, AT_RECURSIVE if mode != 0, NOSUID | NODEV)
  AIC_OP_OPEN_ROOT,  // open target (the bound new root): the base of AIC_PATH_IN_ROOT paths
  AIC_OP_WRITE_FILE, // create target (a host path of the agent's own, O_EXCL, no symlink) holding
                     // content[0..content_len), owned by uid:gid, with mode (a secret's or config's copy)
};

// How a path of an op is found.
enum aic_path_resolution {
  AIC_PATH_NONE = 0,            // not a path (a filesystem's source name), or absent
  AIC_PATH_HOST,                // a host path of the agent's own, used as given
  AIC_PATH_HOST_NO_SYMLINKS,    // a host path: openat2(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)
  AIC_PATH_IN_ROOT,             // an instance path: openat2(root, RESOLVE_IN_ROOT | the above)
};

struct aic_mount_op {
  int32_t kind;
  int32_t optional;  // ENOENT on target is not an error (masked paths that this kernel lacks)
  const char *source;
  const char *target;
  const char *fstype;
  const char *data;
  unsigned long flags;
  uint32_t mode;
  int32_t source_resolution;  // enum aic_path_resolution
  int32_t target_resolution;  // enum aic_path_resolution
  const uint8_t *content;     // AIC_OP_WRITE_FILE: the bytes (may hold NULs), else NULL
  size_t content_len;
  uint32_t uid;               // AIC_OP_WRITE_FILE: the file's owner
  uint32_t gid;
};

// copy_file_range(2) from the current offset of `in_fd` to that of `out_fd` (the kernel copies,
// or reflinks where the filesystem can). Bytes copied, 0 at the end, or -1 with errno.
ssize_t aic_copy_file_range(int in_fd, int out_fd, size_t len);

// Mounts overlayfs at `target` (a host path of the agent's own) with the options `data`, whose
// relative lowerdir names are resolved in `base` (the layer store), on a thread of its own with
// a private working directory. 0, or -1 with errno.
int aic_mount_overlay(const char *base, const char *target, const char *data);

// rtnetlink (netlink.c), in the calling thread's network namespace. Each returns 0 (or the
// value asked for) on success and -errno on failure.
// A bridge `name` with a fixed MAC (`mac`: 6 bytes, or NULL) and MTU (0: the kernel's).
int aic_nl_bridge_add(const char *name, const uint8_t *mac, uint32_t mtu);
// A veth pair: `name` here, `peer` created directly in the namespace `peer_netns_fd` (-1: here),
// with the MAC `peer_mac` (6 bytes; NULL: a random one, the kernel's).
int aic_nl_veth_add(const char *name, const char *peer, int peer_netns_fd, uint32_t mtu, const uint8_t *peer_mac);
// `up`: 1 up, 0 down, -1 unchanged; `master_index`: a bridge's index, 0 to detach, -1 unchanged.
int aic_nl_link_set(const char *name, int up, int master_index);
int aic_nl_link_del(const char *name);
// The link's index (> 0), or -errno (-ENODEV: no such link).
int aic_nl_link_index(const char *name);
// `address`: 4 bytes (AF_INET) or 16 (AF_INET6), network order; `flags`: IFA_F_* (IFA_F_NODAD:
// an IPv6 address usable at once, without duplicate address detection), 0 for none.
int aic_nl_addr_add(int index, int family, const uint8_t *address, int prefix_length, uint32_t flags);
// Removes that address; -EADDRNOTAVAIL when the link does not have it.
int aic_nl_addr_del(int index, int family, const uint8_t *address, int prefix_length);
// A route to `destination`/`destination_length` (NULL or 0: the default route) via `gateway`
// (NULL: on-link) out of `output_index` (0: any).
int aic_nl_route_add(int family, const uint8_t *destination, int destination_length, const uint8_t *gateway,
                     int output_index);
// The main table's IPv4 routes but the default: up to `capacity` destinations (network order)
// and prefix lengths; returns how many there are in all (call again with more room if larger).
int aic_nl_ipv4_routes(uint32_t *destinations, uint8_t *prefixes, int capacity);
// The same for IPv6: 16 bytes per destination in `destinations` (room for `capacity`).
int aic_nl_ipv6_routes(uint8_t *destinations, uint8_t *prefixes, int capacity);
// The link's MAC (6 bytes into `mac`): 0, or -errno (-ENODEV: no such link).
int aic_nl_link_mac(const char *name, uint8_t *mac);
// The MTU of the link the default route of `family` leaves by; -ENOENT without one.
int aic_nl_default_route_mtu(int family);
// The calling thread enters the network namespace `fd` / a new empty one: 0 or -errno.
int aic_netns_enter(int fd);
int aic_netns_unshare(void);
// The calling thread enters the IPC namespace `fd` (an open /proc/PID/ns/ipc): 0 or -errno.
int aic_ipcns_enter(int fd);

struct aic_rlimit {
  int32_t resource;
  uint64_t soft;
  uint64_t hard;
};

// What the workload becomes and runs: identity, capabilities, seccomp, and the program.
struct aic_process {
  const char *path;                // program; without '/', searched in search_path
  const char *search_path;         // PATH used for that search (the workload's PATH)
  char *const *argv;               // NULL-terminated
  char *const *envp;               // NULL-terminated
  const char *cwd;                 // chdir after the identity switch; NULL = stay at "/"
  uint32_t uid;
  uint32_t gid;
  const uint32_t *groups;
  size_t ngroups;
  uint64_t caps;                   // bounding = permitted = effective = inheritable
  int32_t last_cap;                // highest capability number the kernel knows
  int32_t no_new_privs;
  const struct aic_rlimit *rlimits;
  size_t nrlimits;
  const struct sock_filter *seccomp; // NULL = unconfined
  uint16_t seccomp_len;
  int32_t oom_score_adj_set;       // when non-zero, write oom_score_adj
  int32_t oom_score_adj;
};

// How the init writes each line of the workload's output (Compose's `logging.driver`).
enum aic_log_format {
  // `2026-11-25T16:00:00.123456789Z stdout F text` (CRI's format; the `local` and `journald`
  // drivers: the agent forwards the latter's lines to the journal).
  AIC_LOG_FORMAT_CRI = 0,
  // Docker's json-file: `{"log":"text\n","stream":"stdout","time":"2026-…Z"}`.
  AIC_LOG_FORMAT_JSON = 1,
};

// ---------------------------------------------------------------------------------------------
// Spawn: clone3 a new instance. The child becomes the instance's init (PID 1 of a new pid
// namespace), sets up the filesystem, forks the workload and supervises it.
struct aic_spawn_config {
  uint64_t namespaces;             // CLONE_NEW* flags (pid, mnt, uts, ipc always; net optional)
  int32_t cgroup_fd;               // cgroup v2 dir fd for CLONE_INTO_CGROUP, or -1
  int32_t wait_for_sync;           // 1: the child waits on the sync pipe before forking the workload
  const char *hostname;            // NULL = keep
  const struct aic_mount_op *ops;
  size_t nops;
  struct aic_process process;

  int32_t stdin_fd;                // the workload's stdin (e.g. /dev/null), required
  int32_t passthrough_out;         // init copies the workload's stdout here too, or -1
  int32_t passthrough_err;         // same for stderr, or -1
  // The log directory is a detached mount (aic_open_detached_directory): a workload that reaches
  // the init's descriptors (/proc/1/fd with CAP_SYS_PTRACE) finds that directory and nothing
  // above it, since `..` stops at the root of a mount with no parent.
  int32_t log_dir_fd;              // the log directory, or -1 for no log
  const char *log_name;            // e.g. "container.log"; rotated to .1 .. .N-1
  uint64_t log_max_bytes;          // rotate when the file would exceed this
  int32_t log_max_files;           // files kept, counting the current one (>= 1)
  int32_t log_format;              // enum aic_log_format: how each line is written
  // The exit file, opened for writing (empty), or -1. A regular file rather than a directory:
  // from it, a workload that reaches the descriptor can name nothing else.
  int32_t exit_fd;
  // The init program (aicore-init), in a sealed memfd: the clone execs it once the filesystem is
  // set up, so the instance's PID 1 holds none of the agent's memory.
  int32_t init_exe_fd;
  // A listening SOCK_SEQPACKET socket the init serves execs on (initexec.c), or -1. The init's
  // processes are born in the instance's namespaces and cgroups: no setns, no cgroup migration.
  int32_t exec_listen_fd;
  // 1: once in its cgroup, the init unshares a cgroup namespace rooted there (cgroup v2), so
  // the workload's /proc/self/cgroup reads `0::/` and shows nothing of the host's tree.
  int32_t cgroup_namespace;
  // A network namespace to join (an open /proc/PID/ns/net of another instance's init:
  // `network_mode: service:NAME`) instead of a new one; -1: none. Joined before the mounts, so
  // the instance's /sys shows that namespace's links.
  int32_t join_net_fd;
};

struct aic_spawn_result {
  pid_t pid;                       // the init's pid in the caller's namespace
  int32_t pidfd;                   // CLONE_PIDFD, O_CLOEXEC
  int32_t sync_fd;                 // write end: write one byte to release the child; -1 if unused
  int32_t error_fd;                // read end of the error pipe
  int32_t into_cgroup;             // 1 when CLONE_INTO_CGROUP placed the child
};

// Returns 0, or -errno when clone3 itself (or the pipes) failed; nothing is left open then.
int aic_spawn(const struct aic_spawn_config *config, struct aic_spawn_result *result);

// The agent's side of the init's exec channel (execchannel.c).
// Binds a SOCK_SEQPACKET listener at path (mode 0600, then listen), close-on-exec. fd or -errno.
int aic_exec_channel_listen(const char *path);
// Connects to it, non-blocking. fd or -errno (ENOENT: the instance has no channel).
int aic_exec_channel_connect(const char *path);
// One answer, without waiting: its length (> 0), 0 at EOF, or -errno (-EAGAIN: none yet).
long aic_exec_channel_receive(int fd, void *buffer, size_t capacity);

// Release a child waiting on the sync pipe (after the parent placed it in its cgroups), or,
// with release == 0, make it exit. pass_fd >= 0 goes with the release (SCM_RIGHTS): the init
// keeps it as its cgroup's OOM-kill counter (see init.c). Closes sync_fd either way, never pass_fd.
int aic_sync_release(int sync_fd, int release, int pass_fd);

// Read the child's report: returns 0 on EOF (success: the workload exec'd), 1 when a report was
// read into *out, -errno on a read error. Retries EINTR. Closes nothing.
int aic_read_child_error(int error_fd, struct aic_child_error *out);

// A detached copy of the mount at `path` (open_tree OPEN_TREE_CLONE), rooted at that directory:
// an O_PATH descriptor usable as the dirfd of *at() calls, from which `..` never leads above
// `path`. Returns the fd (close-on-exec) or -errno.
int aic_open_detached_directory(const char *path);

// Copies the program at `path` into a memfd sealed against every change (as runc does with its
// own binary), so that an instance that reaches /proc/1/exe can neither write the host's file nor
// the copy. Returns the fd (close-on-exec) or -errno.
int aic_open_sealed_program(const char *path);

// The init program's entry (aicore-init's main): argv[1] is the configuration descriptor,
// argv[2] the error pipe. Never returns.
__attribute__((noreturn)) void aic_init_program_main(int argc, char **argv);

// ---------------------------------------------------------------------------------------------
// pidfd helpers (raw syscalls; glibc wrappers are missing on older systems).
int aic_pidfd_open(pid_t pid);
int aic_pidfd_send_signal(int pidfd, int sig);
// waitid(P_PIDFD). flags as for waitid. Returns 0 and fills *code/*status (CLD_* and value),
// or -errno; *code == 0 with WNOHANG means still running.
int aic_pidfd_wait(int pidfd, int flags, int *code, int *status);

// Foreground launcher: forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 received
// by this process to the process behind pidfd (the instance init, which relays them to the
// workload). The handler only calls pidfd_send_signal, which is async-signal-safe.
int aic_forward_signals(int pidfd);

// pipe2(O_CLOEXEC): both ends close on exec, so no other spawn inherits them (Swift's Glibc
// module does not export pipe2). Returns 0 or -errno.
int aic_pipe_cloexec(int fds[2]);

// epoll for the exit monitor (Swift's Glibc module does not export <sys/epoll.h>).
int aic_epoll_create(void);
int aic_epoll_add_oneshot(int epfd, int fd, uint64_t id);   // EPOLLIN | EPOLLONESHOT
int aic_epoll_del(int epfd, int fd);
// Blocks until at least one event; writes up to max ids. Returns count or -errno.
int aic_epoll_wait_ids(int epfd, uint64_t *ids, int max);
int aic_epoll_add(int epfd, int fd, uint64_t id);           // EPOLLIN, level-triggered
// As aic_epoll_wait_ids, for at most timeout_ms (-1: no limit); 0 when none came.
int aic_epoll_wait_ids_timeout(int epfd, uint64_t *ids, int max, int timeout_ms);

// ---------------------------------------------------------------------------------------------
// seccomp (parent side, libseccomp): compile a profile to BPF.
struct aic_seccomp_arg {
  uint32_t index;
  uint32_t op;                     // enum scmp_compare
  uint64_t value;
  uint64_t value_two;
};

struct aic_seccomp_rule {
  const char *name;                // one syscall name
  uint32_t action;                 // SCMP_ACT_* value
  const struct aic_seccomp_arg *args;
  size_t nargs;
};

struct aic_seccomp_profile {
  uint32_t default_action;
  const uint32_t *arches;          // SCMP_ARCH_* tokens added besides the native one
  size_t narches;
  const struct aic_seccomp_rule *rules;
  size_t nrules;
};

// Builds and exports the filter. On success *out is malloc'd (free with aic_seccomp_free) and
// *count is its length in instructions; returns 0. On failure returns -errno, and
// *failed_rule is the index of the rule that libseccomp refused, or -1.
int aic_seccomp_build(const struct aic_seccomp_profile *profile, struct sock_filter **out,
                      size_t *count, long *failed_rule);
void aic_seccomp_free(struct sock_filter *filter);
uint32_t aic_seccomp_act_allow(void);
uint32_t aic_seccomp_act_errno(uint32_t err);
uint32_t aic_seccomp_act_kill_process(void);
uint32_t aic_seccomp_act_kill_thread(void);
uint32_t aic_seccomp_act_trap(void);
uint32_t aic_seccomp_act_log(void);
uint32_t aic_seccomp_act_trace(uint32_t msg);
uint32_t aic_seccomp_act_notify(void);
// SCMP_ARCH_* token for a Docker/libseccomp arch name ("SCMP_ARCH_X86", "x86_64", ...); 0 if unknown.
uint32_t aic_seccomp_arch_resolve(const char *name);
uint32_t aic_seccomp_arch_native(void);
// Number of a syscall on the native architecture, or negative if unknown.
int aic_seccomp_syscall_number(const char *name);

// ---------------------------------------------------------------------------------------------
// capabilities (parent side, libcap): names and the kernel's last capability.
int aic_cap_from_name(const char *name);     // "CAP_NET_ADMIN" or "net_admin"; -1 if unknown
int aic_cap_last_cap(void);
// Writes the canonical lower-case name ("cap_chown") into buf; returns 0, or -1 if unknown.
int aic_cap_name(int cap, char *buf, size_t len);

// ---------------------------------------------------------------------------------------------
// posix_spawn_file_actions_addclosefrom_np(actions, lowfd): the child closes every descriptor
// from lowfd up (libraries such as SwiftNIO open sockets without O_CLOEXEC). 0 or an errno.
int aic_spawn_actions_closefrom(void *actions, int lowfd);
// POSIX_SPAWN_SETSID: the child starts a session of its own (a detached helper process).
short aic_spawn_flag_setsid(void);

// Keeps only the capabilities in `keep` (bit n = capability n) in the bounding, permitted and
// effective sets, clears the inheritable and ambient sets, and sets no_new_privs. 0 or an errno.
int aic_keep_only_capabilities(uint64_t keep);
// Loads a seccomp filter (`SeccompFilter.instructions`: code | jt << 16 | jf << 24 | k << 32) on
// the calling thread; it needs no_new_privs (or CAP_SYS_ADMIN) and is kept across execve.
// 0 or an errno.
int aic_load_seccomp_filter(const uint64_t *instructions, size_t count);


// mallopt(M_ARENA_MAX, arenas): 0, or -1 if refused.
int aic_malloc_arena_max(int arenas);

// ---------------------------------------------------------------------------------------------
// Devices (cgroup v2): allow exactly these devices to the cgroup's processes, with a
// BPF_PROG_TYPE_CGROUP_DEVICE program attached to `cgroup_fd`. 0, or -errno.
struct aic_device_rule {
  char type;       // 'a' any, 'b' block, 'c' char
  int64_t major;   // -1: any
  int64_t minor;   // -1: any
  uint32_t access; // BPF_DEVCG_ACC_MKNOD 1 | READ 2 | WRITE 4
};
int aic_devices_attach(int cgroup_fd, const struct aic_device_rule *rules, size_t nrules);

// ---------------------------------------------------------------------------------------------
// Rooted directories (rooted.c), for AICoreSystem's RootedDirectory: paths resolved beneath a
// directory descriptor and never out of it, and the calls Swift's Glibc module does not export
// (openat2, makedev, xattrs). Parent side only; these may allocate nothing but the stack.

// openat2(dirfd, path, flags | O_CLOEXEC, mode) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS: an absolute path or a `..` that leaves dirfd fails with EXDEV, a symlink
// in any component with ELOOP (a trailing one too, unless flags hold O_PATH | O_NOFOLLOW: then
// the descriptor is the link's own). Retries EINTR and the EAGAIN of a racing rename. fd or -errno.
int aic_open_beneath(int dirfd, const char *path, int flags, unsigned int mode);
// The same with RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, the rule of a
// mount's target: dirfd is `/` (an absolute path starts there, `..` stops there), and a symlink
// in any component fails with ELOOP. fd or -errno.
int aic_open_in_root(int dirfd, const char *path, int flags, unsigned int mode);
// The same with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS only, the rule of a path a process whose
// root is dirfd names (`cp` into and out of an instance): symlinks are followed, but each one,
// absolute or with `..`, resolves inside dirfd as the instance would see it, never out of it.
// O_NOFOLLOW in flags keeps a trailing symlink unfollowed (with O_PATH: the link's own). fd or -errno.
int aic_open_in_root_following(int dirfd, const char *path, int flags, unsigned int mode);
// mknodat(dirfd, name, mode, makedev(major, minor)). 0 or -errno.
int aic_mknodat(int dirfd, const char *name, unsigned int mode, unsigned int major, unsigned int minor);
// Extended attributes of the entry `name` in directory dirfd, never following it (a symlink's
// own), or, with name NULL, of whatever fd refers to (O_PATH descriptors included). Set returns
// 0 or -errno; get and list return the size (with size 0: the size needed) or -errno; a list is
// NUL-separated keys, as listxattr(2) writes it.
int aic_xattr_set(int fd, const char *name, const char *key, const void *value, size_t size);
long aic_xattr_get(int fd, const char *name, const char *key, void *value, size_t size);
long aic_xattr_list(int fd, const char *name, char *list, size_t size);

#ifdef __cplusplus
}
#endif
#endif
