import AICoreErrors
import AICoreOS
import AICoreSystem

extension TaskSpec.Seccomp {
    /// A Docker-format seccomp profile file (`security_opt: seccomp=FILE`), read and compiled
    /// into a profile now, so that a missing or malformed file fails the plan, not the spawn.
    public static func profile(readingFile path: String) throws(AICoreError) -> TaskSpec.Seccomp {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path)
        } catch {
            throw AICoreError(code: .invalidSpec, message: "cannot read the seccomp profile \(path): \(error.message)", cause: error)
        }
        do {
            return .profile(try SeccompProfileLoader.decode(bytes))
        } catch {
            throw AICoreError(code: .invalidSpec, message: "invalid seccomp profile \(path): \(error)", cause: error)
        }
    }
}
