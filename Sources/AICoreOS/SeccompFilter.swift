import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// A seccomp profile compiled to classic BPF by libseccomp, in the parent. The child only loads
/// these instructions, as its last step before execve.
public struct SeccompFilter: Sendable, Equatable {
    /// The BPF program, one `UInt64` per `struct sock_filter` (code u16, jt u8, jf u8, k u32),
    /// kept as plain integers so the value is trivially Sendable.
    public let instructions: [UInt64]

    public init(instructions: [UInt64]) {
        self.instructions = instructions
    }

    public struct CompileError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Compiles `profile` for a workload holding `capabilities`.
    public static func compile(_ profile: SeccompProfile, capabilities: CapabilitySet) throws(CompileError) -> SeccompFilter {
        let rules = profile.resolved(for: SeccompProfile.Context(capabilities: capabilities))
        let defaultAction = try action(profile.defaultAction, errno: profile.defaultErrnoRet, what: "defaultAction")
        var arches: [UInt32] = []
        let nativeName = nativeArchToken
        for name in profile.filterArchitectures(nativeToken: nativeName) {
            let token = aic_seccomp_arch_resolve(name)
            guard token != 0 else { throw CompileError(description: "seccomp: unknown architecture \"\(name)\"") }
            arches.append(token)
        }
        var actions: [UInt32] = []
        actions.reserveCapacity(rules.count)
        for rule in rules {
            actions.append(try action(rule.action, errno: rule.errno ?? profile.defaultErrnoRet, what: rule.name))
        }

        // C views of the rules; every pointer stays valid until aic_seccomp_build returns.
        let names = rules.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let argStorage: [[aic_seccomp_arg]] = rules.map { rule in
            rule.args.map { arg in
                aic_seccomp_arg(index: arg.index, op: compareOperator(arg.op), value: arg.value, value_two: arg.valueTwo ?? 0)
            }
        }
        var out: UnsafeMutablePointer<sock_filter>?
        var count = 0
        var failed = -1
        let rc: Int32 = withArrayOfPointers(argStorage) { argPointers in
            var cRules: [aic_seccomp_rule] = []
            cRules.reserveCapacity(rules.count)
            for i in rules.indices {
                cRules.append(aic_seccomp_rule(name: names[i], action: actions[i], args: argPointers[i], nargs: argStorage[i].count))
            }
            return arches.withUnsafeBufferPointer { archBuf in
                cRules.withUnsafeBufferPointer { ruleBuf in
                    var p = aic_seccomp_profile(default_action: defaultAction, arches: archBuf.baseAddress,
                                                narches: archBuf.count, rules: ruleBuf.baseAddress, nrules: ruleBuf.count)
                    return aic_seccomp_build(&p, &out, &count, &failed)
                }
            }
        }
        guard rc == 0, let out else {
            let what = failed >= 0 && failed < rules.count ? " (rule for \(rules[failed].name))" : ""
            throw CompileError(description: "seccomp: libseccomp failed\(what): \(SystemError.describe(-rc))")
        }
        defer { aic_seccomp_free(out) }
        var instructions: [UInt64] = []
        instructions.reserveCapacity(count)
        for i in 0..<count {
            let f = out[i]
            instructions.append(UInt64(f.code) | UInt64(f.jt) << 16 | UInt64(f.jf) << 24 | UInt64(f.k) << 32)
        }
        return SeccompFilter(instructions: instructions)
    }

    static var nativeArchToken: String {
        #if arch(x86_64)
        "SCMP_ARCH_X86_64"
        #elseif arch(arm64)
        "SCMP_ARCH_AARCH64"
        #else
        "SCMP_ARCH_NATIVE"
        #endif
    }

    static func action(_ a: SeccompProfile.Action, errno: UInt32?, what: String) throws(CompileError) -> UInt32 {
        switch a {
        case .allow: return aic_seccomp_act_allow()
        case .errno: return aic_seccomp_act_errno(errno ?? UInt32(EPERM))
        case .kill, .killThread: return aic_seccomp_act_kill_thread()
        case .killProcess: return aic_seccomp_act_kill_process()
        case .trap: return aic_seccomp_act_trap()
        case .trace: return aic_seccomp_act_trace(errno ?? UInt32(EPERM))
        case .log: return aic_seccomp_act_log()
        case .notify:
            throw CompileError(description: "seccomp: SCMP_ACT_NOTIFY (\(what)) needs a listener, which aicore-node does not provide")
        }
    }

    static func compareOperator(_ op: SeccompProfile.Operator) -> UInt32 {
        // enum scmp_compare: NE=1, LT, LE, EQ, GE, GT, MASKED_EQ
        switch op {
        case .notEqual: 1
        case .lessThan: 2
        case .lessOrEqual: 3
        case .equal: 4
        case .greaterOrEqual: 5
        case .greaterThan: 6
        case .maskedEqual: 7
        }
    }
}

/// Calls `body` with a base pointer for each inner array (nil for empty ones), all valid for
/// the duration of the call.
func withArrayOfPointers<T, R>(_ arrays: [[T]], _ body: ([UnsafePointer<T>?]) -> R) -> R {
    var buffers: [UnsafeMutableBufferPointer<T>] = []
    buffers.reserveCapacity(arrays.count)
    for array in arrays {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
        buffers.append(buffer)
    }
    defer {
        for (buffer, array) in zip(buffers, arrays) {
            buffer.baseAddress?.deinitialize(count: array.count)
            buffer.deallocate()
        }
    }
    return body(zip(buffers, arrays).map { $1.isEmpty ? nil : UnsafePointer($0.baseAddress) })
}
