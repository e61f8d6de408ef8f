import Hummingbird

/// Compose's `kill`, `pause`, `unpause`, `rm` and `wait` of a service's instances
/// (docs/api/openapi.yaml).
extension ControlAPI {
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
    }
}
