import AICoreSystem
import CAICoreShim

/// What a workload (or an exec'd process) becomes and runs, after its filesystem is ready.
public struct ProcessSpec: Sendable, Equatable {
    /// argv; `arguments[0]` is the program, searched in the workload's PATH unless it has a '/'.
    public var arguments: [String]
    /// KEY=VALUE strings.
    public var environment: [String]
    public var workingDirectory: String?
    public var user: UserIdentity
    public var capabilities: CapabilitySet
    public var noNewPrivileges: Bool
    public var rlimits: [ResourceLimit]
    /// nil = unconfined.
    public var seccomp: SeccompFilter?
    public var oomScoreAdj: Int32?

    public init(arguments: [String], environment: [String] = [], workingDirectory: String? = nil,
                user: UserIdentity = .root, capabilities: CapabilitySet = .rootDefault,
                noNewPrivileges: Bool = true, rlimits: [ResourceLimit] = [], seccomp: SeccompFilter? = nil,
                oomScoreAdj: Int32? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.capabilities = capabilities
        self.noNewPrivileges = noNewPrivileges
        self.rlimits = rlimits
        self.seccomp = seccomp
        self.oomScoreAdj = oomScoreAdj
    }

    /// The PATH the program is searched in: the workload's own, else the usual default.
    public var searchPath: String {
        for entry in environment where entry.hasPrefix("PATH=") { return String(entry.dropFirst(5)) }
        return ProcessSpec.defaultPath
    }

    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

extension ProcessSpec {
    /// Fills `out` with C views (owned by `arena`) of this spec.
    func cProcess(_ arena: CArena) -> aic_process {
        var p = aic_process()
        p.path = UnsafePointer(arena.string(arguments.first ?? ""))
        p.search_path = UnsafePointer(arena.string(searchPath))
        p.argv = UnsafePointer(arena.stringArray(arguments))
        p.envp = UnsafePointer(arena.stringArray(environment))
        p.cwd = arena.optionalString(workingDirectory)
        p.uid = user.uid
        p.gid = user.gid
        p.groups = UnsafePointer(arena.array(user.supplementaryGroups))
        p.ngroups = user.supplementaryGroups.count
        p.caps = capabilities.bits
        p.last_cap = Int32(Capability.lastCapability)
        p.no_new_privs = noNewPrivileges ? 1 : 0
        p.rlimits = UnsafePointer(arena.array(rlimits.map { aic_rlimit(resource: $0.resource, soft: $0.soft, hard: $0.hard) }))
        p.nrlimits = rlimits.count
        if let seccomp {
            let filters = seccomp.instructions.map { v in
                sock_filter(code: UInt16(truncatingIfNeeded: v), jt: UInt8(truncatingIfNeeded: v >> 16),
                            jf: UInt8(truncatingIfNeeded: v >> 24), k: UInt32(truncatingIfNeeded: v >> 32))
            }
            p.seccomp = UnsafePointer(arena.array(filters))
            p.seccomp_len = UInt16(clamping: filters.count)
        }
        if let oomScoreAdj {
            p.oom_score_adj_set = 1
            p.oom_score_adj = oomScoreAdj
        }
        return p
    }
}
