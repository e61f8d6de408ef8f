import AICoreErrors
import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

/// The agent's secrets on disk (the token file, the TLS key) must be root's alone: an agent
/// refuses to start with one that another user could read or change, and says the fix.
enum AgentSecretFile {
    /// `what` names the file in the message: "the token file", "the TLS key".
    static func check(_ path: String, what: String) throws(AICoreError) {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw AICoreError(.badRequest, "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        if st.st_uid != 0 {
            throw AICoreError(.badRequest, "\(what) \(path) is owned by uid \(st.st_uid), not root; run: chown root:root \(path)")
        }
        let mode = st.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return }
        let octal = String(mode, radix: 8)
        let shown = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
        let how: String = switch (mode & 0o004 != 0, mode & 0o040 != 0) {
        case (true, _): "readable by others"
        case (false, true): "readable by its group"
        default: "open to group or others"
        }
        throw AICoreError(.badRequest, "\(what) \(path) is \(how) (mode \(shown)); run: chmod 600 \(path)")
    }
}
