import Hummingbird

/// The `hang` and `delay_ms` switches, applied to every route, health included.
struct FaultMiddleware<Context: RequestContext>: RouterMiddleware {
    let faults: FaultSwitches

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let settings = faults.current
        if settings.hang {
            // The connection stays open and nothing is ever written, until the task is cancelled.
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
        if settings.delayMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(settings.delayMilliseconds))
        }
        return try await next(request, context)
    }
}
