import Hummingbird
import Logging

/// The sample API's routes.
struct SampleRouter {
    let configuration: SampleConfiguration
    let identity: InstanceIdentity
    let checker: DependencyChecker
    let faults: FaultSwitches
    let requestLogger: Logger

    static let counterKey = "aicore:requests"

    func build() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestLogMiddleware(logger: requestLogger))
        router.add(middleware: FaultMiddleware(faults: faults))
        router.get("/health/live") { _, _ in LiveResponse() }
        router.get("/health/ready") { _, _ in await ready() }
        // The seed's Compose healthcheck (`wget --spider http://localhost:3000/health`) asks
        // here: healthy means ready, as most APIs' single health endpoint does.
        router.get("/health") { _, _ in await ready() }
        router.get("/version") { _, _ in version() }
        router.get("/") { request, context in try await work(request, context) }
        router.get("/work") { request, context in try await work(request, context) }
        router.get("/fault") { _, _ in faultResponse() }
        router.put("/fault") { request, context in try await updateFaults(request, context) }
        return router
    }

    func ready() async -> EditedResponse<ReadinessReport> {
        let report: ReadinessReport
        if faults.current.neverReady {
            report = ReadinessReport(postgres: nil, redis: nil, neverReady: true)
            checker.readiness.record(report)
        } else {
            report = await checker.check()
        }
        return EditedResponse(status: report.isReady ? .ok : .serviceUnavailable, response: report)
    }

    func version() -> VersionResponse {
        VersionResponse(version: configuration.version, instance: identity.hostname, pid: identity.pid)
    }

    /// One Redis INCR and one PostgreSQL insert per request.
    func work(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let timeout = checker.timeout
        do {
            async let redisCount = withDeadline(timeout, "redis INCR") { [checker] in
                try await checker.redis.increment(Self.counterKey)
            }
            try await checker.ensureSchema()
            let postgresCount = try await withDeadline(timeout, "postgres INSERT") { [checker, identity] in
                try await checker.store.recordRequest(instance: identity.hostname)
            }
            let body = WorkResponse(
                version: configuration.version, instance: identity.hostname,
                redisRequests: try await redisCount, postgresRequests: postgresCount)
            return try body.response(from: request, context: context)
        } catch {
            let failure = ErrorResponse(error: ErrorDescription.line(error))
            return try EditedResponse(status: .serviceUnavailable, response: failure).response(from: request, context: context)
        }
    }

    func faultResponse() -> FaultResponse {
        FaultResponse(settings: faults.current, leakedMegabytes: faults.leakedMegabytes)
    }

    func updateFaults(_ request: Request, _ context: BasicRequestContext) async throws -> EditedResponse<FaultResponse> {
        let patch: FaultPatch
        do {
            patch = try await request.decode(as: FaultPatch.self, context: context)
        } catch {
            throw HTTPError(.badRequest, message: "the body must be a JSON object of fault switches")
        }
        if let problem = patch.problem { throw HTTPError(.badRequest, message: problem) }
        faults.apply(patch)
        requestLogger.notice("fault switches changed: \(faults.current)")
        return EditedResponse(status: .ok, response: faultResponse())
    }
}
