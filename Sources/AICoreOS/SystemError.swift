import CAICoreShim

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An OS-level failure: the errno saved right after the failing call, and what was attempted,
/// e.g. `SystemError.errno(EPERM, "mount /proc")` → "mount /proc: Operation not permitted".
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let errno: Int32
    public let operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    public static func errno(_ code: Int32, _ operation: String) -> SystemError {
        SystemError(errno: code, operation: operation)
    }

    /// The current `errno`, for use right after a call returned -1.
    public static func last(_ operation: String) -> SystemError {
        SystemError(errno: Glibc.errno, operation: operation)
    }

    public var message: String { SystemError.describe(errno) }

    public var description: String { "\(operation): \(message)" }

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
