#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An error from a cgroup operation: what was attempted (with the path) and, for a failed
/// system call, the errno saved right after it.
///
/// `description` reads like `write 67108864 to /sys/fs/cgroup/memory/aicore/x/memory.limit_in_bytes: Device or resource busy`.
public struct CgroupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct, so new codes can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Hashable {
            case systemCall, invalidArgument, controllerUnavailable, malformedFile, timedOut, notDetected
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A system call failed; `errno` holds its error number.
        public static let systemCall = Code(.systemCall)
        /// A caller-supplied value (path, limit) is not acceptable.
        public static let invalidArgument = Code(.invalidArgument)
        /// A controller needed for a limit is not mounted (v1) or not enabled/delegated (v2).
        public static let controllerUnavailable = Code(.controllerUnavailable)
        /// A control file's content could not be parsed.
        public static let malformedFile = Code(.malformedFile)
        /// A bounded wait (freeze, kill, remove) ran out of time.
        public static let timedOut = Code(.timedOut)
        /// No usable cgroup hierarchy was found.
        public static let notDetected = Code(.notDetected)

        public var description: String {
            switch value {
            case .systemCall: "systemCall"
            case .invalidArgument: "invalidArgument"
            case .controllerUnavailable: "controllerUnavailable"
            case .malformedFile: "malformedFile"
            case .timedOut: "timedOut"
            case .notDetected: "notDetected"
            }
        }
    }

    public let code: Code
    /// The errno of the failing system call (`code == .systemCall`), else 0.
    public let errno: Int32
    /// What was attempted, with the path, e.g. `write max to /sys/fs/cgroup/aicore/x/pids.max`.
    public let action: String
    /// Extra explanation for non-system-call failures (what was found, what to do).
    public let detail: String?

    public init(code: Code, errno: Int32 = 0, action: String, detail: String? = nil) {
        self.code = code
        self.errno = errno
        self.action = action
        self.detail = detail
    }

    /// A failed system call: `action` plus the errno saved right after the call.
    public static func system(_ errno: Int32, _ action: String) -> CgroupError {
        CgroupError(code: .systemCall, errno: errno, action: action)
    }

    public var description: String {
        if code == .systemCall {
            let reason = String(cString: strerror(errno))
            return detail.map { "\(action): \(reason) (\($0))" } ?? "\(action): \(reason)"
        }
        return detail.map { "\(action): \($0)" } ?? action
    }
}
