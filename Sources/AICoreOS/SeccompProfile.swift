#if canImport(Glibc)
import Glibc
#endif

/// A seccomp profile in Docker's JSON format (what `--security-opt seccomp=FILE.json` reads and
/// what `SeccompProfile.dockerDefault` holds). Rules are conditional on capabilities, arches and
/// kernel version; `resolved(...)` turns it into the flat rule list for one workload.
public struct SeccompProfile: Sendable, Equatable, Codable {
    public enum Action: String, Sendable, Codable, Equatable {
        case allow = "SCMP_ACT_ALLOW"
        case errno = "SCMP_ACT_ERRNO"
        case kill = "SCMP_ACT_KILL"
        case killProcess = "SCMP_ACT_KILL_PROCESS"
        case killThread = "SCMP_ACT_KILL_THREAD"
        case trap = "SCMP_ACT_TRAP"
        case trace = "SCMP_ACT_TRACE"
        case log = "SCMP_ACT_LOG"
        case notify = "SCMP_ACT_NOTIFY"
    }

    public enum Operator: String, Sendable, Codable, Equatable {
        case notEqual = "SCMP_CMP_NE"
        case lessThan = "SCMP_CMP_LT"
        case lessOrEqual = "SCMP_CMP_LE"
        case equal = "SCMP_CMP_EQ"
        case greaterOrEqual = "SCMP_CMP_GE"
        case greaterThan = "SCMP_CMP_GT"
        case maskedEqual = "SCMP_CMP_MASKED_EQ"
    }

    public struct Argument: Sendable, Codable, Equatable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: Operator

        public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: Operator) {
            self.index = index
            self.value = value
            self.valueTwo = valueTwo
            self.op = op
        }
    }

    public struct Condition: Sendable, Codable, Equatable {
        public var caps: [String]?
        public var arches: [String]?
        public var minKernel: String?

        public init(caps: [String]? = nil, arches: [String]? = nil, minKernel: String? = nil) {
            self.caps = caps
            self.arches = arches
            self.minKernel = minKernel
        }
    }

    public struct Syscall: Sendable, Codable, Equatable {
        public var names: [String]
        public var action: Action
        public var errnoRet: UInt32?
        public var args: [Argument]?
        public var includes: Condition?
        public var excludes: Condition?
        public var comment: String?

        public init(names: [String], action: Action, errnoRet: UInt32? = nil, args: [Argument]? = nil,
                    includes: Condition? = nil, excludes: Condition? = nil, comment: String? = nil) {
            self.names = names
            self.action = action
            self.errnoRet = errnoRet
            self.args = args
            self.includes = includes
            self.excludes = excludes
            self.comment = comment
        }
    }

    public struct ArchMap: Sendable, Codable, Equatable {
        public var architecture: String
        public var subArchitectures: [String]?
    }

    public var defaultAction: Action
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var archMap: [ArchMap]?
    public var syscalls: [Syscall]?

    public init(defaultAction: Action, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
                archMap: [ArchMap]? = nil, syscalls: [Syscall]) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.archMap = archMap
        self.syscalls = syscalls
    }

    /// One rule for one syscall, after conditions were applied.
    public struct ResolvedRule: Sendable, Equatable {
        public var name: String
        public var action: Action
        public var errno: UInt32?
        public var args: [Argument]
    }

    /// The environment a profile's conditions are evaluated against.
    public struct Context: Sendable {
        public var capabilities: CapabilitySet
        /// Docker's arch name of this machine: "amd64", "arm64", ...
        public var arch: String
        /// (major, minor) of the running kernel.
        public var kernel: (Int, Int)

        public init(capabilities: CapabilitySet, arch: String = Context.nativeArch, kernel: (Int, Int) = Context.runningKernel) {
            self.capabilities = capabilities
            self.arch = arch
            self.kernel = kernel
        }

        public static var nativeArch: String {
            #if arch(x86_64)
            "amd64"
            #elseif arch(arm64)
            "arm64"
            #else
            "unknown"
            #endif
        }

        public static var runningKernel: (Int, Int) {
            var u = utsname()
            guard uname(&u) == 0 else { return (0, 0) }
            let release = withUnsafeBytes(of: &u.release) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return SeccompProfile.parseKernelVersion(release)
        }
    }

    static func parseKernelVersion(_ text: String) -> (Int, Int) {
        let parts = text.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }

    /// The rules that apply to a workload with these capabilities on this machine.
    public func resolved(for context: Context) -> [ResolvedRule] {
        var rules: [ResolvedRule] = []
        for call in syscalls ?? [] {
            if let inc = call.includes {
                if let caps = inc.caps, !caps.allSatisfy({ Capability.number(named: $0).map(context.capabilities.contains) ?? false }) { continue }
                if let arches = inc.arches, !arches.contains(context.arch) { continue }
                if let minKernel = inc.minKernel {
                    let want = SeccompProfile.parseKernelVersion(minKernel)
                    if context.kernel < want { continue }
                }
            }
            if let exc = call.excludes {
                if let caps = exc.caps, caps.contains(where: { Capability.number(named: $0).map(context.capabilities.contains) ?? false }) { continue }
                if let arches = exc.arches, arches.contains(context.arch) { continue }
            }
            for name in call.names {
                rules.append(ResolvedRule(name: name, action: call.action, errno: call.errnoRet, args: call.args ?? []))
            }
        }
        return rules
    }

    /// Architectures to add to the filter (libseccomp/Docker names), from `archMap` for the
    /// native arch, else `architectures`.
    public func filterArchitectures(nativeToken: String = "SCMP_ARCH_X86_64") -> [String] {
        if let map = archMap, let entry = map.first(where: { $0.architecture == nativeToken }) {
            return [entry.architecture] + (entry.subArchitectures ?? [])
        }
        return architectures ?? []
    }
}
