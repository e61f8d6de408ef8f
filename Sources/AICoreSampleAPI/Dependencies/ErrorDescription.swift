import NIOPosix
import PostgresNIO

/// One readable line for a dependency failure. PostgresNIO's errors print a generic text on
/// purpose (to avoid leaking queries), so their code, server message and cause are picked out.
enum ErrorDescription {
    static func line(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            var parts = ["\(error.code)"]
            if let message = error.serverInfo?[.message] { parts.append(message) }
            if let underlying = error.underlying { parts.append(line(underlying)) }
            return parts.joined(separator: ": ")
        }
        if let error = error as? NIOConnectionError {
            let causes = error.connectionErrors.map { "\($0.error)" }
            return "connect to \(error.host):\(error.port): \(causes.isEmpty ? "no address" : causes.joined(separator: ", "))"
        }
        return "\(error)"
    }
}
