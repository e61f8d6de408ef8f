import AICoreErrors
import Foundation
import Logging
import NIOCore

/// One line of the proxy process's control protocol: a JSON object on a line of its own, over
/// the unix socket `aicore-node proxy --control PATH` serves.
///
/// The proxy's first line on each connection is `hello` (its protocol and release: see
/// `ProxyAdoption` for what the agent makes of it). The agent sends `serve` (the full route list, answered by `served` with the same id once
/// applied), `update` (one route's backends, not answered) and `refresh` (counters now, for the
/// REST API). The proxy pushes `stats` after
/// each change it applies and whenever its counters move (at most every `statsInterval`), so the
/// agent's `statistics()` reads a local snapshot.
public enum ProxyControlMessage: Sendable, Hashable, Codable {
    case hello(ProxyHello)
    case serve(id: Int, routes: [ServiceRoute])
    case update(route: String, backends: [ProxyBackend])
    /// Asks for the counters now: answered by `stats`, then `served` with the same id.
    case refresh(id: Int)
    /// The answer to `serve` (nil `error` when every listener is bound) or `refresh`.
    case served(id: Int, error: ProxyControlFailure?)
    case stats([ProxyRouteStats])

    /// How often the proxy looks for moved counters to push.
    public static let statsInterval: Duration = .milliseconds(50)

    /// The message as one line, newline included.
    public func line() throws -> Data {
        var data = try JSONEncoder().encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// A message from one line (without its newline).
    public static func decode(_ line: some Sequence<UInt8>) throws(AICoreError) -> ProxyControlMessage {
        do {
            return try JSONDecoder().decode(ProxyControlMessage.self, from: Data(line))
        } catch {
            throw AICoreError(.protocolViolation, "the proxy control line is not a message: \(error)", cause: error)
        }
    }

    /// The message on `line`, or nil (with a warning) for a line that is none: either end
    /// skips it and reads on.
    static func decode(_ line: ByteBuffer, warningTo logger: Logger) -> ProxyControlMessage? {
        do {
            return try decode(line.readableBytesView)
        } catch {
            logger.warning("\(error.message)")
            return nil
        }
    }
}

/// A failed `serve`, as the agent's `serve` call throws it.
public struct ProxyControlFailure: Sendable, Hashable, Codable {
    /// `listenFailed`, `invalidRoutes` or `shutDown`.
    public var code: String
    public var message: String

    public init(_ error: AICoreError) {
        code = error.code.name
        message = error.message
    }

    public var error: AICoreError {
        let known: [AICoreError.Code] = [.listenFailed, .invalidRoutes, .shutDown]
        return AICoreError(known.first { $0.name == code } ?? .unavailable, message)
    }
}
