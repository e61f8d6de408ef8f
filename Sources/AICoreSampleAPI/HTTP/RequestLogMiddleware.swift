import Hummingbird
import Logging

/// One plain-text line per request: method, path, status and duration.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        logger.debug("\(request.method) \(request.uri.path) started")
        do {
            let response = try await next(request, context)
            log(request, status: response.status.code, since: start, clock: clock)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, status: status, since: start, clock: clock)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, since start: ContinuousClock.Instant, clock: ContinuousClock) {
        let elapsed = clock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let duration = (milliseconds * 10).rounded() / 10
        logger.info("\(request.method) \(request.uri.path) \(status) \(duration)ms")
    }
}
