import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// A failure the clone3 child reported (stage + errno) before its workload could run, turned
/// into what was attempted: "mount /proc: Operation not permitted".
public struct ChildSetupError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Stage: Int32, Sendable {
        case signals = 1, setsid, hostname, mount, closeFDs, sync, logOpen, pipes, fork, stdio, rlimit
        case capabilityBounding, setgroups, setgid, keepCaps, setuid, capset, ambient, noNewPrivileges
        case chdir, seccomp, exec, setns, oomScore, loopback, cgroup, cgroupNamespace
        case unknown = 0
    }

    public let stage: Stage
    public let error: SystemError
    /// A mount whose path went through a symlink, refused (openat2 RESOLVE_NO_SYMLINKS said
    /// ELOOP): `error.operation` names the path, "volume target /data/sub".
    public let isSymlinkRefusal: Bool

    public var errno: Int32 { error.errno }
    public var description: String {
        isSymlinkRefusal ? "\(error.operation): \(Self.symlinkRefusal)" : error.description
    }

    /// Why a mount through a symlink fails; see runtime.md, "Mounts follow no symlinks".
    public static let symlinkRefusal = "a path component is a symlink (refused: mounts follow no symlinks)"

    /// docker's codes: 127 command not found, 126 not executable, 125 the runtime failed.
    public var exitCode: Int32 {
        guard stage == .exec else { return 125 }
        return errno == ENOENT || errno == ENOTDIR ? 127 : 126
    }

    init(report: aic_child_error, process: ProcessSpec, plan: MountPlan?, hostname: String?) {
        let stage = Stage(rawValue: report.stage) ?? .unknown
        self.stage = stage
        let index = Int(report.index)
        let operation: String
        var refusal = false
        switch stage {
        case .mount:
            if let plan, plan.operations.indices.contains(index) {
                let op = plan.operations[index]
                operation = Self.describe(op, error: report.err, detail: report.detail, refusal: &refusal)
            } else {
                operation = "mount step \(index)"
            }
        case .exec: operation = "exec \(process.arguments.first ?? "")"
        case .chdir: operation = "chdir \(process.workingDirectory ?? "/")"
        case .setuid: operation = "setuid \(process.user.uid)"
        case .setgid: operation = "setgid \(process.user.gid)"
        case .setgroups: operation = "setgroups \(process.user.supplementaryGroups)"
        case .hostname: operation = "sethostname \(hostname ?? "")"
        case .rlimit:
            operation = process.rlimits.indices.contains(index) ? "setrlimit \(process.rlimits[index].name)" : "setrlimit"
        case .capabilityBounding: operation = "drop \(Capability.name(of: index)) from the bounding set"
        case .ambient: operation = index >= 0 ? "raise ambient \(Capability.name(of: index))" : "clear ambient capabilities"
        case .capset: operation = "capset"
        case .keepCaps: operation = "prctl PR_SET_KEEPCAPS"
        case .noNewPrivileges: operation = "prctl PR_SET_NO_NEW_PRIVS"
        case .seccomp: operation = "load seccomp filter"
        case .setns: operation = "setns into the instance"
        case .stdio: operation = "set up stdio"
        case .closeFDs: operation = "close inherited descriptors"
        case .sync: operation = "wait for the cgroup placement"
        case .logOpen: operation = "open the log file"
        case .pipes: operation = "create the output pipes"
        case .fork: operation = "fork the workload"
        case .signals: operation = "set up signals"
        case .setsid: operation = "setsid"
        case .oomScore: operation = "write oom_score_adj"
        case .loopback: operation = "bring up the loopback interface"
        case .cgroup: operation = "join the instance's cgroup"
        case .cgroupNamespace: operation = "unshare a cgroup namespace"
        case .unknown: operation = "child setup stage \(report.stage)"
        }
        self.error = SystemError(errno: report.err, operation: operation)
        self.isSymlinkRefusal = refusal
    }

    /// What a failed mount op attempted, or, when resolving one of its paths met a symlink, that
    /// path: "volume source /srv/data/sub", "volume target /data/sub", "mount target /proc".
    static func describe(_ op: MountPlan.Operation, error: Int32, detail: Int32, refusal: inout Bool) -> String {
        let noun = op.declared ? "volume" : "mount"
        switch (error, UInt32(bitPattern: detail)) {
        case (ELOOP, AIC_DETAIL_SOURCE.rawValue) where op.sourceResolution == .hostNoSymlinks || op.sourceResolution == .inRoot:
            refusal = true
            return "\(noun) source \(op.source ?? "")"
        case (ELOOP, AIC_DETAIL_TARGET.rawValue) where op.targetResolution == .inRoot:
            refusal = true
            return "\(noun) target \(op.target)"
        default:
            return op.description
        }
    }
}
