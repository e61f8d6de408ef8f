import AICoreErrors
import Hummingbird

/// Compose's `kill`, `pause`, `unpause`, `rm` and `wait` of a service's instances
/// (docs/api/openapi.yaml).
extension ControlAPI {
    /// A wait never holds a request longer than this: under the TCP listener's idle timeout, and
    /// short enough that a client gone meanwhile costs little. The client asks again.
    static let maxWait: Duration = .seconds(30)

    func addOperatorRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        let plane = plane
        v1.post("stacks/:stack/services/:service/kill") { request, context in
            let body: KillRequest = try await Self.decodeOptional(request) ?? KillRequest()
            return try Self.json(try await plane.kill(try context.parameter("stack"), service: try context.parameter("service"),
                                                      signal: body.signal))
        }
        v1.post("stacks/:stack/services/:service/pause") { _, context in
            try Self.json(try await plane.setPaused(try context.parameter("stack"), service: try context.parameter("service"), true))
        }
        v1.post("stacks/:stack/services/:service/unpause") { _, context in
            try Self.json(try await plane.setPaused(try context.parameter("stack"), service: try context.parameter("service"), false))
        }
        v1.post("stacks/:stack/services/:service/rm") { request, context in
            let stop = try Self.flag(request, "stop")
            return try Self.json(try await plane.removeStopped(try context.parameter("stack"), service: try context.parameter("service"),
                                                               stopFirst: stop))
        }
        v1.post("stacks/:stack/services/:service/wait") { request, context in
            var timeout = Self.maxWait
            if let text = request.uri.queryParameters.get("timeout") {
                guard let seconds = Int(text), seconds >= 0, seconds <= 30 else {
                    throw AICoreError(.badRequest, "`timeout` must be a number of seconds from 0 to 30, not \(text)")
                }
                timeout = .seconds(seconds)
            }
            return try Self.json(try await plane.wait(try context.parameter("stack"), service: try context.parameter("service"),
                                                      timeout: timeout))
        }
    }
}
