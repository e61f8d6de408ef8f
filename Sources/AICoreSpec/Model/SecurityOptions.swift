/// Compose `security_opt`, reduced to what the runtime enforces.
public struct SecurityOptions: Sendable, Hashable {
    public enum Seccomp: Sendable, Hashable {
        /// The built-in profile, at parity with Docker's.
        case builtIn
        case unconfined
        /// A Docker-format JSON profile, absolute path.
        case profile(String)
    }

    /// On by default: a workload can never gain privileges through setuid binaries.
    public var noNewPrivileges: Bool
    public var seccomp: Seccomp

    public init(noNewPrivileges: Bool = true, seccomp: Seccomp = .builtIn) {
        self.noNewPrivileges = noNewPrivileges
        self.seccomp = seccomp
    }

    /// Compose's own spelling, for printing.
    public var composeList: [String] {
        var list = ["no-new-privileges:\(noNewPrivileges)"]
        switch seccomp {
        case .builtIn: break
        case .unconfined: list.append("seccomp=unconfined")
        case .profile(let path): list.append("seccomp=\(path)")
        }
        return list
    }
}
