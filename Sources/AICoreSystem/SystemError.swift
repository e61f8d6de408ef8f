import CAICoreShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An OS-level failure: what was attempted (with the path) and, for a failed system call, the
/// errno saved right after it, e.g. `SystemError.errno(EPERM, "mount /proc")` → "mount /proc:
/// Operation not permitted". Other codes say what was found instead (a control file that does not
/// parse, a controller that is not delegated, a bounded wait that ran out).
public struct SystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. A struct, so new codes can be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Hashable {
            case systemCall, invalidArgument, controllerUnavailable, malformedFile, timedOut, notDetected
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A system call failed; `errno` holds its error number.
        public static let systemCall = Code(.systemCall)
        /// A caller-supplied value (path, limit) is not acceptable.
        public static let invalidArgument = Code(.invalidArgument)
        /// A cgroup controller needed for a limit is not mounted (v1) or not enabled/delegated (v2).
        public static let controllerUnavailable = Code(.controllerUnavailable)
        /// A kernel file's content (a cgroup control file) could not be parsed.
        public static let malformedFile = Code(.malformedFile)
        /// A bounded wait (freeze, kill, remove) ran out of time.
        public static let timedOut = Code(.timedOut)
        /// No usable cgroup hierarchy was found.
        public static let notDetected = Code(.notDetected)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The errno of the failing system call (`code == .systemCall`), else 0.
    public let errno: Int32
    /// What was attempted, with the path, e.g. `write max to /sys/fs/cgroup/aicore/x/pids.max`.
    public let operation: String
    /// Extra explanation (what was found, what to do).
    public let detail: String?

    public init(code: Code = .systemCall, errno: Int32 = 0, operation: String, detail: String? = nil) {
        self.code = code
        self.errno = errno
        self.operation = operation
        self.detail = detail
    }

    public static func errno(_ code: Int32, _ operation: String) -> SystemError {
        SystemError(errno: code, operation: operation)
    }

    /// The current `errno`, for use right after a call returned -1.
    public static func last(_ operation: String) -> SystemError {
        SystemError(errno: Glibc.errno, operation: operation)
    }

    /// For a failed system call, the errno's text; else the detail.
    public var message: String {
        code == .systemCall ? SystemError.describe(errno) : detail ?? code.description
    }

    public var description: String {
        if code == .systemCall {
            return detail.map { "\(operation): \(message) (\($0))" } ?? "\(operation): \(message)"
        }
        return detail.map { "\(operation): \($0)" } ?? operation
    }

    public static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

/// Runs `body` until it does not fail with EINTR. `body` returns -1 and sets errno on failure.
@discardableResult
public func retryingEINTR<T: BinaryInteger>(_ operation: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let r = body()
        if r >= 0 { return r }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(errno: code, operation: operation())
    }
}
