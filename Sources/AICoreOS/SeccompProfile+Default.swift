// The default profile, at parity with Docker's (moby profiles/seccomp/default.json): an
// allowlist with EPERM for everything else, clone3 answered ENOSYS (so libcs fall back to
// clone, whose namespace flags are then checked), and syscalls gated on the capability that
// would make them meaningful. Written here from Docker's documented behaviour.
extension SeccompProfile {
    /// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
    public static let cloneNamespaceFlags: UInt64 = 0x7E02_0000

    static let defaultAllowed: [String] = [
        "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset",
        "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
        "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
        "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
        "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat",
        "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat",
        "fchmodat2", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
        "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
        "fsync", "ftruncate", "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
        "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid",
        "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid",
        "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
        "getresuid32", "getrlimit", "get_robust_list", "getrusage", "getsid", "getsockname", "getsockopt",
        "get_thread_area", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat",
        "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl",
        "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
        "io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
        "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount",
        "listxattr", "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
        "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore",
        "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
        "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
        "mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
        "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open",
        "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc",
        "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
        "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2",
        "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg",
        "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat", "rename", "renameat",
        "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask",
        "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
        "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
        "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile",
        "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
        "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
        "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32",
        "setrlimit", "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
        "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack",
        "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
        "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
        "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun",
        "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
        "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill",
        "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime",
        "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
        "writev",
    ]

    /// Changes whenever `dockerDefault` changes: it keys the on-disk cache of compiled filters.
    public static let dockerDefaultRevision = "r1"

    /// Docker's default profile.
    public static let dockerDefault: SeccompProfile = {
        var calls: [Syscall] = [
            Syscall(names: defaultAllowed, action: .allow),
            Syscall(names: ["process_vm_readv", "process_vm_writev", "ptrace"], action: .allow,
                    includes: Condition(minKernel: "4.8")),
            // socket(2) for every family but AF_VSOCK (40), which reaches the host.
            Syscall(names: ["socket"], action: .allow, args: [Argument(index: 0, value: 40, op: .notEqual)]),
            Syscall(names: ["personality"], action: .allow, args: [Argument(index: 0, value: 0x0, op: .equal)]),
            Syscall(names: ["personality"], action: .allow, args: [Argument(index: 0, value: 0x0008, op: .equal)]),
            Syscall(names: ["personality"], action: .allow, args: [Argument(index: 0, value: 0x20000, op: .equal)]),
            Syscall(names: ["personality"], action: .allow, args: [Argument(index: 0, value: 0x20008, op: .equal)]),
            Syscall(names: ["personality"], action: .allow, args: [Argument(index: 0, value: 0xffff_ffff, op: .equal)]),
            Syscall(names: ["arch_prctl", "modify_ldt"], action: .allow,
                    includes: Condition(arches: ["amd64", "x32", "x86"])),
            Syscall(names: ["sync_file_range2", "swapcontext"], action: .allow,
                    includes: Condition(arches: ["ppc64le"])),
            Syscall(names: ["arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls"],
                    action: .allow, includes: Condition(arches: ["arm", "arm64"])),
            Syscall(names: ["riscv_flush_icache"], action: .allow, includes: Condition(arches: ["riscv64"])),
            Syscall(names: ["s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"], action: .allow,
                    includes: Condition(arches: ["s390", "s390x"])),
            // clone without namespace flags; with CAP_SYS_ADMIN any clone.
            Syscall(names: ["clone"], action: .allow,
                    args: [Argument(index: 0, value: cloneNamespaceFlags, valueTwo: 0, op: .maskedEqual)],
                    excludes: Condition(caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"])),
            // clone3 passes its flags in memory that seccomp cannot read: answer ENOSYS so that
            // libcs fall back to clone, whose flags the rule above checks.
            Syscall(names: ["clone3"], action: .errno, errnoRet: 38, excludes: Condition(caps: ["CAP_SYS_ADMIN"])),
        ]
        let capabilityGated: [(String, [String])] = [
            ("CAP_DAC_READ_SEARCH", ["open_by_handle_at"]),
            ("CAP_SYS_ADMIN", ["bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
                               "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
                               "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
                               "setns", "syslog", "umount", "umount2", "unshare"]),
            ("CAP_SYS_BOOT", ["reboot"]),
            ("CAP_SYS_CHROOT", ["chroot"]),
            ("CAP_SYS_MODULE", ["delete_module", "init_module", "finit_module"]),
            ("CAP_SYS_PACCT", ["acct"]),
            ("CAP_SYS_PTRACE", ["kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev", "ptrace"]),
            ("CAP_SYS_RAWIO", ["iopl", "ioperm"]),
            ("CAP_SYS_TIME", ["settimeofday", "stime", "clock_settime", "clock_settime64"]),
            ("CAP_SYS_TTY_CONFIG", ["vhangup"]),
            ("CAP_SYS_NICE", ["get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"]),
            ("CAP_SYSLOG", ["syslog"]),
            ("CAP_BPF", ["bpf"]),
            ("CAP_PERFMON", ["perf_event_open"]),
        ]
        for (cap, names) in capabilityGated {
            calls.append(Syscall(names: names, action: .allow, includes: Condition(caps: [cap])))
        }
        return SeccompProfile(
            defaultAction: .errno,
            defaultErrnoRet: 1,
            archMap: [
                ArchMap(architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
                ArchMap(architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"]),
            ],
            syscalls: calls
        )
    }()
}
