import AICoreErrors

extension AICoreError {
    /// A process that could not be started, with Docker's exit status as the code: 126 (not
    /// executable), 127 (not found), else 125 (the runtime failed).
    public static func spawnFailed(_ message: String, cause: (any Error)? = nil, exitCode: Int32) -> AICoreError {
        let code: Code = switch exitCode {
        case 126: .notExecutable
        case 127: .commandNotFound
        default: .spawnFailed
        }
        return AICoreError(code: code, message: message, cause: cause)
    }

    /// The exit status `run` and `exec` report for this failure, as Docker's CLI does.
    public var exitCode: Int32 {
        switch code {
        case .notExecutable: 126
        case .commandNotFound: 127
        default: 125
        }
    }
}
