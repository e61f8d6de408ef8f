#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

/// The ordered list of mount operations that turns a fresh mount namespace into the instance's
/// filesystem. Built in Swift as plain data (so it is unit-tested), executed in order by the
/// shim's child (`aic_run_mount_ops`), which only makes the syscalls.
public struct MountPlan: Sendable, Equatable {
    public enum OperationKind: Int32, Sendable {
        case mount = 1, mkdir, mkfile, symlink, setReadOnly, mask, pivot, unmount
        /// mount_setattr(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), recursively when `mode` is 1.
        case setNosuidNodev
        /// Opens the new root (`target`, once bound) that `.inRoot` paths are resolved beneath.
        case openRoot
        /// Creates `target` (a host path of the agent's own) holding `content`, owned by
        /// `uid`:`gid`, with `mode`: an `InstanceFile`'s copy in the staging tmpfs.
        case writeFile
    }

    /// How the child finds a path of an operation (`aic_path_resolution` of the shim).
    public enum PathResolution: Int32, Sendable {
        /// Not a path: a filesystem's source ("proc", "tmpfs"), or no source.
        case none = 0
        /// A host path of the agent's own, used as given: "/", the new root's mount point in the
        /// state dir, the device nodes, the hosts file.
        case host
        /// A host path a workload may have written (a bind source: a volume's directory, or a
        /// path inside another bind): opened with openat2(RESOLVE_NO_SYMLINKS), so a symlink in
        /// any component is refused (ELOOP) instead of followed.
        case hostNoSymlinks
        /// An absolute path inside the instance, resolved beneath the root opened by `.openRoot`
        /// with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS): nothing outside the root is
        /// reached, and a symlink in any component is refused. Mount points are made with
        /// mkdirat/openat in the parent directory resolved that way.
        case inRoot
    }

    public struct Operation: Sendable, Equatable {
        public var kind: OperationKind
        public var source: String?
        public var target: String
        public var fstype: String?
        public var data: String?
        public var flags: UInt
        public var mode: UInt32
        /// ENOENT on the target is not an error (a masked path this kernel does not have).
        public var optional: Bool
        /// What a failure message says was attempted, in the instance's terms: "mount /proc".
        public var description: String
        public var sourceResolution: PathResolution = .none
        public var targetResolution: PathResolution = .inRoot
        /// Part of a mount the service declared: a refusal names it a volume ("volume target /data").
        public var declared: Bool = false
        /// `.writeFile` only: the bytes, and the owner.
        public var content: [UInt8]?
        public var uid: UInt32 = 0
        public var gid: UInt32 = 0
    }

    public struct Options: Sendable {
        /// Host directory that becomes `/`: "/" for the host root.
        public var rootfs: String
        /// Empty host directory used as the mount point of the new root (in the state dir).
        public var newRoot: String
        public var readOnlyRoot: Bool
        public var mounts: [MountSpec]
        /// Host files bound read-only over /etc/hosts and /etc/hostname.
        public var hostsFile: String?
        /// A file bound read-only over /etc/resolv.conf (the agent's resolver, on bridge
        /// networks); nil: the root's own.
        public var resolvConfFile: String?
        public var hostnameFile: String?
        /// Host paths hidden from a workload on the host root, as runc masks paths: a directory
        /// behind an empty read-only tmpfs, a file behind a bind of /dev/null. Absolute and
        /// already resolved on the host (no symlinks). Ignored for any other root filesystem.
        public var hiddenPaths: [String]
        public var maskedPaths: [String]
        public var readOnlyPaths: [String]
        /// Size of the private /tmp, in bytes (nil: tmpfs default, half of RAM, still cgroup-charged).
        public var tmpSizeBytes: UInt64?
        /// Size of /dev/shm in bytes (`shm_size`); nil: 64 MiB, as Docker's default.
        public var shmSizeBytes: UInt64?
        /// Host device nodes bound into the instance's /dev (`devices`): host path → a path
        /// under /dev. The device cgroup decides whether they open.
        public var devices: [(source: String, target: String)] = []
        /// Secrets and configs, copied into a tmpfs mounted at `filesStaging` and bound from
        /// there (`MountPlan+Files`); their owners already resolved.
        public var files: [InstanceFile] = []
        /// An empty host directory of the agent's own (in the state dir) where that tmpfs is
        /// mounted, in the instance's mount namespace only; it leaves with the old root at
        /// pivot_root, so the workload keeps the bound files and nothing else of it.
        public var filesStaging: String?

        public init(
            rootfs: String = "/",
            newRoot: String,
            readOnlyRoot: Bool = true,
            mounts: [MountSpec] = [],
            hostsFile: String? = nil,
            hostnameFile: String? = nil,
            resolvConfFile: String? = nil,
            hiddenPaths: [String] = [],
            maskedPaths: [String] = MountPlan.dockerMaskedPaths,
            readOnlyPaths: [String] = MountPlan.dockerReadOnlyPaths,
            tmpSizeBytes: UInt64? = nil,
            shmSizeBytes: UInt64? = nil
        ) {
            self.rootfs = rootfs
            self.newRoot = newRoot
            self.readOnlyRoot = readOnlyRoot
            self.mounts = mounts
            self.hostsFile = hostsFile
            self.hostnameFile = hostnameFile
            self.resolvConfFile = resolvConfFile
            self.hiddenPaths = hiddenPaths
            self.maskedPaths = maskedPaths
            self.readOnlyPaths = readOnlyPaths
            self.tmpSizeBytes = tmpSizeBytes
            self.shmSizeBytes = shmSizeBytes
        }

        /// The tmpfs options of /dev/shm.
        var shmData: String { "mode=1777,size=\(shmSizeBytes.map(String.init) ?? "65536k")" }

        var isHostRoot: Bool { rootfs == "/" }
    }

    /// Docker's masked paths (moby's OCI defaults).
    public static let dockerMaskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
        "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ]

    /// Docker's read-only paths.
    public static let dockerReadOnlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    /// Device nodes bound from the host into the minimal /dev.
    public static let deviceNodes = ["null", "zero", "full", "random", "urandom", "tty"]

    /// Directories the root filesystem must have as mount points.
    public static let requiredDirectories = ["/proc", "/dev", "/sys", "/tmp", "/run", "/etc"]

    /// MOUNT_ATTR_RDONLY of <linux/mount.h>.
    public static let mountAttrReadOnly: UInt = 0x1

    public var operations: [Operation]

    public init(operations: [Operation]) {
        self.operations = operations
    }

    /// `isDirectory` tells whether a bind source is a directory (else a file is bound);
    /// injected so the plan is a pure function of its inputs.
    public static func build(_ o: Options, isDirectory: (String) -> Bool) -> MountPlan {
        var ops: [Operation] = []
        let root = o.newRoot
        // Targets are paths inside the instance, resolved beneath the new root by the child
        // (`.inRoot`) unless said otherwise; sources are no paths unless said otherwise.
        func op(_ kind: OperationKind, _ target: String, source: String? = nil, sourceResolution: PathResolution = .none,
                targetResolution: PathResolution = .inRoot, fstype: String? = nil, data: String? = nil, flags: Int32 = 0,
                mode: UInt32 = 0, optional: Bool = false, declared: Bool = false, _ description: String) {
            // setReadOnly sets MOUNT_ATTR_RDONLY through mount_setattr; mode 1 = recursively.
            let f = kind == .setReadOnly ? MountPlan.mountAttrReadOnly : UInt(UInt32(bitPattern: flags))
            ops.append(Operation(kind: kind, source: source, target: target, fstype: fstype, data: data,
                                 flags: f, mode: mode, optional: optional, description: description,
                                 sourceResolution: source == nil ? .none : sourceResolution,
                                 targetResolution: targetResolution, declared: declared))
        }
        let nosuidNodevNoexec = Int32(MS_NOSUID | MS_NODEV | MS_NOEXEC)

        // Nothing mounted here may propagate back to the host.
        op(.mount, "/", targetResolution: .host, flags: Int32(MS_REC | MS_PRIVATE), "make / private")
        op(.mount, root, source: o.rootfs, sourceResolution: .host, targetResolution: .host, flags: Int32(MS_BIND | MS_REC),
           "bind root \(o.rootfs)")
        if o.readOnlyRoot && o.isHostRoot {
            op(.setReadOnly, root, targetResolution: .host, mode: 1, "remount / read-only")
        }
        // From here on every target is resolved beneath this root, following no symlink.
        op(.openRoot, root, targetResolution: .host, "open the new root")
        // Parents before children, so /data/sub lands inside /data (docker sorts the same way).
        let sorted = o.mounts.enumerated().sorted { a, b in
            let da = a.element.destination.split(separator: "/").count
            let db = b.element.destination.split(separator: "/").count
            return da != db ? da < db : a.offset < b.offset
        }.map(\.element)
        // A bound file's mount point is a file; a bound directory's, or a tmpfs's, a directory.
        func makeMountPoint(_ m: MountSpec) {
            if case let .bind(source, _) = m.kind, !isDirectory(source) {
                op(.mkfile, m.destination, mode: 0o644, declared: true, "create \(m.destination)")
            } else {
                op(.mkdir, m.destination, mode: 0o755, declared: true, "mkdir \(m.destination)")
            }
        }
        if o.readOnlyRoot && !o.isHostRoot {
            // A read-only root of our own (an image's, a --rootfs) gets its mount points while
            // it is still writable, as Docker makes them in the container's layer for
            // `read_only`: an image need not have /etc/hosts or a volume's directory. The host's
            // root is never written: it went read-only before anything else.
            for directory in ["/proc", "/dev", "/sys", "/tmp", "/etc"] {
                op(.mkdir, directory, mode: 0o755, "mkdir \(directory)")
            }
            for (file, path) in [(o.hostsFile, "/etc/hosts"), (o.hostnameFile, "/etc/hostname"), (o.resolvConfFile, "/etc/resolv.conf")] where file != nil {
                op(.mkfile, path, mode: 0o644, "create \(path)")
            }
            for m in sorted {
                let components = m.destination.split(separator: "/")
                for depth in components.indices.dropLast() {
                    let parent = "/" + components[...depth].joined(separator: "/")
                    op(.mkdir, parent, mode: 0o755, declared: true, "mkdir \(parent)")
                }
                makeMountPoint(m)
            }
            for file in o.files {
                let components = file.destination.split(separator: "/")
                for depth in components.indices.dropLast() {
                    let parent = "/" + components[...depth].joined(separator: "/")
                    op(.mkdir, parent, mode: 0o755, "mkdir \(parent)")
                }
                op(.mkfile, file.destination, mode: 0o644, "create \(file.destination)")
            }
            op(.setReadOnly, root, targetResolution: .host, mode: 1, "remount / read-only")
        }

        op(.mount, "/proc", source: "proc", fstype: "proc", flags: nosuidNodevNoexec, "mount /proc")

        op(.mount, "/dev", source: "tmpfs", fstype: "tmpfs", data: "mode=755,size=65536k",
           flags: Int32(MS_NOSUID | MS_STRICTATIME), "mount /dev")
        for node in deviceNodes {
            op(.mkfile, "/dev/\(node)", mode: 0o666, "create /dev/\(node)")
            op(.mount, "/dev/\(node)", source: "/dev/\(node)", sourceResolution: .host, flags: Int32(MS_BIND),
               "bind /dev/\(node)")
        }
        op(.mkdir, "/dev/pts", mode: 0o755, "mkdir /dev/pts")
        op(.mount, "/dev/pts", source: "devpts", fstype: "devpts", data: "newinstance,ptmxmode=0666,mode=0620",
           flags: Int32(MS_NOSUID | MS_NOEXEC), "mount /dev/pts")
        op(.symlink, "/dev/ptmx", source: "pts/ptmx", "symlink /dev/ptmx")
        op(.mkdir, "/dev/shm", mode: 0o1777, "mkdir /dev/shm")
        op(.mount, "/dev/shm", source: "shm", fstype: "tmpfs", data: o.shmData,
           flags: nosuidNodevNoexec, "mount /dev/shm")
        op(.mkdir, "/dev/mqueue", mode: 0o755, "mkdir /dev/mqueue")
        op(.mount, "/dev/mqueue", source: "mqueue", fstype: "mqueue", flags: nosuidNodevNoexec, "mount /dev/mqueue")
        op(.symlink, "/dev/fd", source: "/proc/self/fd", "symlink /dev/fd")
        op(.symlink, "/dev/stdin", source: "/proc/self/fd/0", "symlink /dev/stdin")
        op(.symlink, "/dev/stdout", source: "/proc/self/fd/1", "symlink /dev/stdout")
        op(.symlink, "/dev/stderr", source: "/proc/self/fd/2", "symlink /dev/stderr")
        // The service's `devices`: bound over empty files in this /dev (a tmpfs without nodev),
        // each host node resolved through no symlink; the device cgroup decides whether it opens.
        for device in o.devices {
            for parent in Self.parentDirectories(of: device.target, below: "/dev") {
                op(.mkdir, parent, mode: 0o755, declared: true, "mkdir \(parent)")
            }
            op(.mkfile, device.target, mode: 0o666, declared: true, "create \(device.target)")
            op(.mount, device.target, source: device.source, sourceResolution: .hostNoSymlinks, flags: Int32(MS_BIND),
               declared: true, "bind device \(device.source) to \(device.target)")
        }

        // sysfs has one superblock per network namespace, and the kernel refuses (EBUSY) to stack
        // it on a bind of itself: drop the host's /sys (and its submounts) from the recursive
        // bind first. Read-only goes on our mount only, the superblock stays the host's.
        op(.unmount, "/sys", "unmount the host's /sys")
        op(.mount, "/sys", source: "sysfs", fstype: "sysfs", flags: nosuidNodevNoexec, "mount /sys")
        op(.setReadOnly, "/sys", mode: 1, "remount /sys read-only")

        var tmpData = "mode=1777"
        if let size = o.tmpSizeBytes { tmpData += ",size=\(size)" }
        op(.mount, "/tmp", source: "tmpfs", fstype: "tmpfs", data: tmpData, flags: Int32(MS_NOSUID | MS_NODEV), "mount /tmp")
        if o.isHostRoot {
            // The host's /run holds the agent's API socket and every instance's state: never show it.
            op(.mount, "/run", source: "tmpfs", fstype: "tmpfs", data: "mode=755,size=65536k",
               flags: nosuidNodevNoexec, "mount /run")
        }
        // The hidden directories stay writable until the binds are made, so that a bind the
        // service declares below one (a volume at /root/data) finds its mount point.
        let hidden = o.isHostRoot ? hiddenPaths(o.hiddenPaths, declared: o.mounts.map(\.destination)) : []
        for path in hidden {
            if isDirectory(path) {
                op(.mount, path, source: "tmpfs", fstype: "tmpfs", data: "mode=555,size=4k",
                   flags: nosuidNodevNoexec, optional: true, "hide \(path)")
            } else {
                op(.mask, path, source: "/dev/null", sourceResolution: .host, optional: true, "hide \(path)")
            }
        }

        for m in sorted {
            let target = m.destination
            switch m.kind {
            case let .bind(source, readOnly):
                makeMountPoint(m)
                // The source may lie in a directory a workload writes (a volume of this stack or
                // another): a symlink it left there is refused, never followed.
                op(.mount, target, source: source, sourceResolution: .hostNoSymlinks, flags: Int32(MS_BIND | MS_REC),
                   declared: true, "bind \(source) to \(m.destination)")
                if isDirectory(source) {
                    // A bound file keeps its flags: it may be a device the service asked for.
                    op(.setNosuidNodev, target, mode: 1, declared: true, "remount \(m.destination) nosuid,nodev")
                }
                if readOnly {
                    op(.setReadOnly, target, mode: 1, declared: true, "remount \(m.destination) read-only")
                }
            case let .tmpfs(size, mode, readOnly):
                var data = "mode=" + String(mode ?? 0o1777, radix: 8)
                if let size { data += ",size=\(size)" }
                makeMountPoint(m)
                // Read-only from the start: an empty tmpfs that nothing can write (Compose's `:ro`).
                let flags = Int32(MS_NOSUID | MS_NODEV) | (readOnly ? Int32(MS_RDONLY) : 0)
                op(.mount, target, source: "tmpfs", fstype: "tmpfs", data: data, flags: flags, declared: true,
                   "mount tmpfs on \(m.destination)")
            }
        }

        ops += fileOperations(o)

        for (file, path) in [(o.hostsFile, "/etc/hosts"), (o.hostnameFile, "/etc/hostname"), (o.resolvConfFile, "/etc/resolv.conf")] {
            guard let file else { continue }
            op(.mkfile, path, mode: 0o644, "create \(path)")
            op(.mount, path, source: file, sourceResolution: .host, flags: Int32(MS_BIND), "bind \(path)")
            op(.setReadOnly, path, mode: 0, "remount \(path) read-only")
        }

        for path in hidden where isDirectory(path) {
            op(.setReadOnly, path, mode: 0, optional: true, "remount hidden \(path) read-only")
        }

        for path in o.maskedPaths {
            op(.mask, path, source: "/dev/null", sourceResolution: .host, optional: true, "mask \(path)")
        }
        for path in o.readOnlyPaths {
            op(.mount, path, source: path, sourceResolution: .inRoot, flags: Int32(MS_BIND | MS_REC), optional: true, "bind \(path)")
            op(.setReadOnly, path, mode: 1, optional: true, "remount \(path) read-only")
        }

        op(.pivot, root, targetResolution: .host, "pivot_root to \(o.rootfs)")
        return MountPlan(operations: ops)
    }

    /// The hidden paths that need a mount of their own: not /run or /tmp (the instance gets
    /// fresh ones), not below another hidden directory (already hidden), and not at or below a
    /// mount the service declares (that mount covers it: the service asked for it).
    static func hiddenPaths(_ paths: [String], declared: [String]) -> [String] {
        func isWithin(_ path: String, _ directory: String) -> Bool {
            path == directory || path.hasPrefix(directory == "/" ? "/" : directory + "/")
        }
        var result: [String] = []
        for path in paths.sorted() where path != "/" && !result.contains(where: { isWithin(path, $0) }) {
            if isWithin(path, "/run") || isWithin(path, "/tmp") { continue }
            if declared.contains(where: { isWithin(path, $0) }) { continue }
            result.append(path)
        }
        return result
    }
}
