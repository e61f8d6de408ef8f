import AICoreErrors
import AICoreImages
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The REST control endpoint, `/v1` (docs/api/openapi.yaml). One router per listener: over
/// TCP it requires the bearer token, over the unix socket the socket's mode decides.
public struct ControlAPI: Sendable {
    public let plane: ControlPlane
    public let health: AgentHealth
    let logger: Logger

    public static let maxBodyBytes = 1 << 20
    /// A streamed response (logs, events) sends a keep-alive this often, which also finds out
    /// when the client has gone.
    public static let heartbeat: Duration = .seconds(15)
    /// Chunks a streamed response reads ahead of what the client took.
    public static let streamWindow = 64
    /// A streamed response whose client has taken nothing for this long is ended (the
    /// connection closes): a reader that stalls is dropped.
    public static let stallTimeout: Duration = .seconds(60)

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    public init(plane: ControlPlane, health: AgentHealth, logger: Logger) {
        self.plane = plane
        self.health = health
        self.logger = logger
    }

    public func router(token: String?) -> Router<AgentRequestContext> {
        let router = Router(context: AgentRequestContext.self)
        router.add(middleware: ProblemMiddleware(logger: logger))
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }

        router.get("/health/live") { _, _ in Self.json(["status": "ok"]) }
        router.get("/health/ready") { _, _ in
            guard health.isReady else { throw AICoreError(.unavailable, "the agent is still recovering its instances") }
            return Self.json(["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            let text = try await MetricsExposition.render(plane)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        let v1 = router.group("v1")
        v1.get("openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        addStackRoutes(v1)
        addOperatorRoutes(v1)
        addInstanceRoutes(v1)
        addCopyRoutes(v1)
        addVolumeRoutes(v1)
        addImageRoutes(v1)
        addBuildRoutes(v1)
        addRegistryRoutes(v1)
        v1.get("events") { request, _ in try await events(request) }
        v1.get("proxy") { _, _ in try Self.json(await ProxyRouteStatus.all(plane.routes)) }
        v1.get("version") { _, _ in try Self.json(VersionMessage(version: AICoreVersion.current, apiVersion: "v1")) }
        router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
        return router
    }

    // MARK: stacks and services

    private func addStackRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.get("stacks") { _, _ in
            var stacks: [StackStatus] = []
            for name in try await plane.stackNames() {
                if let status = try? await plane.status(of: name) { stacks.append(status) }
            }
            return try Self.json(stacks)
        }
        v1.post("stacks") { request, _ in try await apply(request) }
        v1.post("stacks/validate") { request, _ in try await validate(request) }
        v1.get("stacks/:stack") { _, context in
            try Self.json(try await plane.status(of: try context.parameter("stack")))
        }
        v1.delete("stacks/:stack") { request, context in
            let volumes = try Self.flag(request, "volumes")
            let plan = try await plane.down(try context.parameter("stack"), removeVolumes: volumes)
            return try Self.json(PlanMessage(plan))
        }
        v1.get("stacks/:stack/revisions") { _, context in
            let name = try context.parameter("stack")
            let revisions = try await plane.revisions(name)
            // No revision: 404 for a stack the node does not know, as the other stack routes.
            if revisions.isEmpty { _ = try await plane.stack(named: name) }
            return try Self.json(revisions.map { RevisionMessage($0) })
        }
        v1.get("stacks/:stack/services") { _, context in
            try Self.json(try await plane.status(of: try context.parameter("stack")).services)
        }
        v1.get("stacks/:stack/services/:service") { _, context in
            let service = try context.parameter("service")
            let status = try await plane.status(of: try context.parameter("stack"))
            guard let found = status.services.first(where: { $0.name == service }) else {
                throw AICoreError(.notFound, "stack \(status.name) has no service \(service)")
            }
            return try Self.json(found)
        }
        v1.post("stacks/:stack/services/:service/scale") { request, context in
            let body: ScaleRequest = try await Self.decode(request)
            let plan = try await plane.scale(try context.parameter("stack"), service: try context.parameter("service"), replicas: body.replicas)
            return try Self.json(PlanMessage(plan), status: .accepted)
        }
        v1.post("stacks/:stack/services/:service/restart") { _, context in
            let plan = try await plane.restart(try context.parameter("stack"), service: try context.parameter("service"))
            return try Self.json(PlanMessage(plan))
        }
        v1.post("stacks/:stack/services/:service/stop") { _, context in
            let stopped = try await plane.stop(try context.parameter("stack"), service: try context.parameter("service"))
            return try Self.json(["stopped": stopped])
        }
        v1.post("stacks/:stack/services/:service/start") { _, context in
            let plan = try await plane.start(try context.parameter("stack"), service: try context.parameter("service"))
            return try Self.json(PlanMessage(plan), status: .accepted)
        }
        v1.patch("stacks/:stack/services/:service") { request, context in
            let body: ServiceUpdateRequest = try await Self.decode(request)
            let (plan, revision) = try await plane.update(try context.parameter("stack"), service: try context.parameter("service"), change: body)
            return try Self.json(PlanMessage(plan, revision: revision), status: .accepted)
        }
        v1.get("stacks/:stack/services/:service/rollout") { _, context in
            try Self.json(try await plane.rolloutStatus(try context.parameter("stack"), service: try context.parameter("service")))
        }
        v1.get("stacks/:stack/services/:service/revisions") { _, context in
            try Self.json(try await plane.serviceRevisions(try context.parameter("stack"), service: try context.parameter("service")))
        }
        v1.post("stacks/:stack/services/:service/rollout/undo") { request, context in
            let body: RolloutUndoRequest = try await Self.decodeOptional(request) ?? RolloutUndoRequest()
            let (plan, revision) = try await plane.undo(try context.parameter("stack"), service: try context.parameter("service"),
                                                        toRevision: body.toRevision)
            return try Self.json(PlanMessage(plan, revision: revision), status: .accepted)
        }
        v1.post("stacks/:stack/services/:service/rollout/pause") { _, context in
            try Self.json(try await plane.pauseRollout(try context.parameter("stack"), service: try context.parameter("service")))
        }
        v1.post("stacks/:stack/services/:service/rollout/resume") { _, context in
            try Self.json(try await plane.resumeRollout(try context.parameter("stack"), service: try context.parameter("service")))
        }
    }

    private func apply(_ request: Request) async throws -> Response {
        let (text, path, projectName) = try await sentStack(request)
        let pull = try request.uri.queryParameters.get("pull").map { text throws(AICoreError) in
            guard let policy = PullPolicy(parsing: String(text)) else {
                throw AICoreError(.badRequest, "`pull` must be always, missing or never (or daily, weekly, every_<duration>), not \(text)")
            }
            return policy
        }
        if request.uri.queryParameters.get("start") != nil, try !Self.flag(request, "start") {
            // `create`: made now, nothing started; the images are the caller's to pull or build first.
            let (stack, plan) = try await plane.create(text: text, path: path, projectName: projectName)
            await plane.recordConfigFiles(stack.name, Self.configFiles(request, path: request.uri.queryParameters.get("path").map { String($0) }))
            return try Self.json(PlanMessage(plan), status: .ok)
        }
        let named = request.uri.queryParameters.getAll("service").map { String($0) }.filter { !$0.isEmpty }
        let (stack, plan, revision) = try await plane.apply(text: text, path: path, projectName: projectName, pull: pull,
                                                            services: named.isEmpty ? nil : Set(named))
        await plane.recordConfigFiles(stack.name, Self.configFiles(request, path: request.uri.queryParameters.get("path").map { String($0) }))
        return try Self.json(PlanMessage(plan, revision: revision), status: .accepted)
    }

    /// `apply` as a dry run: the same body and checks, nothing saved or made (`config validate`).
    /// `strict=false` keeps the findings only `--strict` makes errors warnings.
    private func validate(_ request: Request) async throws -> Response {
        let (text, path, projectName) = try await sentStack(request)
        let strict = request.uri.queryParameters.get("strict") == nil ? true : try Self.flag(request, "strict")
        let warnings = try await plane.validate(text: text, path: path, projectName: projectName, strict: strict)
        return try Self.json(ValidationMessage(warnings: warnings))
    }

    /// The stack file a request sends (`POST /v1/stacks` and its dry run): its text, the
    /// absolute path it is loaded as, and `project_name`.
    func sentStack(_ request: Request) async throws -> (text: String, path: String, projectName: String?) {
        if let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased(),
           !["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/json"].contains(type) {
            throw AICoreError(.unsupportedMediaType, "send the stack file as application/yaml, not \(type)")
        }
        var request = request
        let buffer = try await request.collectBody(upTo: Self.maxBodyBytes)
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes), !text.isEmpty else {
            throw AICoreError(.badRequest, "the body must be a stack file (YAML, UTF-8)")
        }
        let projectName = request.uri.queryParameters.get("project_name")
        var path = request.uri.queryParameters.get("path") ?? ""
        if path.isEmpty {
            path = plane.configuration.stateDirectory + "/stacks/\(projectName ?? "stack").yml"
        }
        guard path.hasPrefix("/") else {
            throw AICoreError(.badRequest, "`path` must be absolute (the stack file's path: relative paths inside resolve against it)")
        }
        return (text, path, projectName)
    }

    // MARK: instances

    private func addInstanceRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.get("instances") { request, _ in
            let query = request.uri.queryParameters
            let instances = try await plane.instances(stack: query.get("stack"), service: query.get("service"),
                                                      stats: try Self.flag(request, "stats"))
            return try Self.json(instances)
        }
        v1.get("instances/:id") { _, context in
            try Self.json(try await plane.instance(try context.parameter("id")))
        }
        v1.get("instances/:id/logs") { request, context in
            let id = try context.parameter("id")
            return try await logs(request, id: id, reader: try await plane.logReader(id))
        }
        v1.get("stacks/:stack/previous") { _, context in
            try Self.json(try await plane.previousInstances(stack: try context.parameter("stack")))
        }
        v1.get("stacks/:stack/previous/:id/logs") { request, context in
            let id = try context.parameter("id")
            let reader = try await plane.previousLogReader(stack: try context.parameter("stack"), id: id)
            return try await logs(request, id: id, reader: reader)
        }
        v1.post("instances/:id/exec") { request, context in
            let body: ExecRequest = try await Self.decode(request)
            return try Self.json(try await plane.exec(try context.parameter("id"), body))
        }
    }

    // MARK: volumes

    private func addVolumeRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.get("volumes") { request, _ in
            try Self.json(try await plane.volumes(stack: request.uri.queryParameters.get("stack").map { String($0) }))
        }
        v1.post("volumes/prune") { _, _ in try Self.json(try await plane.pruneVolumes()) }
        v1.get("volumes/:name") { _, context in try Self.json(try await plane.volume(named: try context.parameter("name"))) }
        v1.delete("volumes/:name") { _, context in try Self.json(try await plane.removeVolume(named: try context.parameter("name"))) }
    }

    // MARK: images

    private func addImageRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.get("images") { _, _ in try Self.json(try await plane.images()) }
        // Docker's `system df`; not under images/, where every name is an image's.
        v1.get("system/df") { _, _ in try Self.json(SystemDiskUsage(images: try await plane.imageDiskUsage())) }
        v1.post("images/prune") { request, _ in try Self.json(try await plane.pruneImages(all: try Self.flag(request, "all"))) }
        v1.post("images/pull") { request, _ in
            let body: PullRequest = try await Self.decode(request)
            // Refused before the stream starts, with its own status.
            _ = try ImageReference(parsing: body.reference)
            if let platform = body.platform { _ = try Platform(parsing: platform) }
            return pullStream(body)
        }
        v1.post("images/load") { request, _ in
            let upload = try await Self.receiveUpload(request, into: plane.configuration.stateDirectory + "/images")
            defer { try? FileIO.removeFile(upload) }
            return try Self.json(try await plane.loadImages(archive: upload))
        }
        v1.post("images/save") { request, _ in
            let body: SaveRequest = try await Self.decode(request)
            // Unknown names and missing blobs are refused here, with their own status, before
            // the first byte of the archive.
            let archive = try await plane.saveImages(body.images)
            return saveStream(archive)
        }
        // A name holds slashes (`docker.io/library/redis:7`): clients percent-encode it.
        v1.get("images/:name") { _, context in try Self.json(try await plane.image(named: Self.imageName(context))) }
        v1.delete("images/:name") { _, context in try Self.json(try await plane.removeImage(named: Self.imageName(context))) }
    }

    // MARK: registries

    private func addRegistryRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.post("registries/login") { request, _ in
            let body: RegistryLoginRequest = try await Self.decode(request)
            return try Self.json(try await plane.login(body))
        }
        v1.post("registries/logout") { request, _ in
            let body: RegistryLogoutRequest = try await Self.decodeOptional(request) ?? RegistryLogoutRequest()
            return try Self.json(try await plane.logout(body))
        }
    }

    /// A pull as NDJSON `PullMessage`s: progress (the oldest dropped when the client reads
    /// slower than the layers move), then the image or the problem that ended it.
    func pullStream(_ body: PullRequest) -> Response {
        let (lines, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(512))
        let plane = plane
        let pull = Task {
            let last: PullMessage
            do throws(AICoreError) {
                let image = try await plane.pullImage(body.reference, platform: body.platform) { progress in
                    continuation.yield(ByteBuffer(bytes: (try? Self.ndjson(PullMessage(progress: progress))) ?? []))
                }
                last = PullMessage(image: image)
            } catch {
                last = PullMessage(error: ProblemMiddleware<AgentRequestContext>.document(for: error))
            }
            continuation.yield(ByteBuffer(bytes: (try? Self.ndjson(last)) ?? []))
            continuation.finish()
        }
        continuation.onTermination = { _ in pull.cancel() }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let overflow = ByteBuffer(bytes: (try? Self.ndjson(StreamOverflowMessage(message: Self.overflowText))) ?? [])
        return Response(status: .ok, headers: headers, body: Self.streamed(lines, heartbeat: ByteBuffer(string: "\n"), overflow: overflow))
    }

    /// A save as one tar, streamed as it is read from the store (a few chunks ahead of the
    /// client at most). A blob that fails its check, or an agent that shuts down, cuts the
    /// response short, so the client never takes a partial archive for a whole one.
    func saveStream(_ archive: ImageArchiveWriter) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-tar"
        let names = archive.images.map(\.name).joined(separator: ", ")
        let logger = logger
        let chunks = archive.map { ByteBuffer(bytes: $0) }
        return Response(status: .ok, headers: headers, body: Self.streamed(
            chunks, heartbeat: nil, overflow: ByteBuffer(), window: Self.saveWindow,
            onError: .abort(report: { error in logger.error("image save of \(names) failed; the archive was cut short: \(error)") })
        ))
    }

    /// Chunks (of 1 MiB) a save reads ahead of what the client took.
    static let saveWindow = 4

    static func imageName(_ context: AgentRequestContext) throws -> String {
        let name = try context.parameter("name")
        return name.removingPercentEncoding ?? name
    }

    /// Writes a request's body to a new file under `directory`, in batches off the
    /// cooperative pool, and returns its path; the caller removes it.
    static func receiveUpload(_ request: Request, into directory: String) async throws -> String {
        let path = "\(directory)/upload-\(FileIO.processSuffix)-\(UInt64.random(in: 0...UInt64.max))"
        try await BlockingWork.run { try FileIO.makeDirectories(directory, mode: 0o700) }
        do {
            var batch: [UInt8] = []
            batch.reserveCapacity(4 << 20)
            for try await buffer in request.body {
                batch.append(contentsOf: buffer.readableBytesView)
                if batch.count >= 4 << 20 {
                    let full = batch
                    try await BlockingWork.run { try FileIO.append(path, full) }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            let rest = batch
            try await BlockingWork.run { try FileIO.append(path, rest) }
            return path
        } catch {
            try? FileIO.removeFile(path)
            throw error
        }
    }

    private func logs(_ request: Request, id: String, reader: LogReader) async throws -> Response {
        let query = request.uri.queryParameters
        var options = LogReader.Options()
        if let tail = query.get("tail") {
            guard let count = Int(tail), count >= 0 else { throw AICoreError(.badRequest, "`tail` must be a number of lines, not \(tail)") }
            options.tail = count
        }
        options.since = query.get("since").map { String($0) }
        if let stream = query.get("stream") {
            guard let chosen = LogLine.Stream(rawValue: String(stream)) else {
                throw AICoreError(.badRequest, "`stream` must be stdout or stderr, not \(stream)")
            }
            options.stream = chosen
        }
        let follow = try Self.flag(request, "follow")
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        guard follow else {
            var buffer = ByteBuffer()
            for line in reader.read(options) { buffer.writeBytes(try Self.ndjson(LogEntry(instance: id, line))) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
        let lines = reader.follow(options).map { line in ByteBuffer(bytes: (try? Self.ndjson(LogEntry(instance: id, line))) ?? []) }
        let overflow = ByteBuffer(bytes: (try? Self.ndjson(StreamOverflowMessage(message: Self.overflowText))) ?? [])
        return Response(status: .ok, headers: headers, body: Self.streamed(lines, heartbeat: ByteBuffer(string: "\n"), overflow: overflow))
    }

    // MARK: events

    private func events(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let stack = query.get("stack").map { String($0) }
        var tail = 0
        if let text = query.get("tail") {
            guard let count = Int(text), count >= 0, count <= 10_000 else {
                throw AICoreError(.badRequest, "`tail` must be a number of events from 0 to 10000, not \(text)")
            }
            tail = count
        }
        // Subscribe first, so nothing falls between the replay and the live stream.
        let live = plane.observer.subscribe()
        let replay = tail > 0 ? try await plane.recentEvents(stack: stack, limit: tail) : []
        let (stream, _) = Self.eventChunks(replay: replay, live: live, stack: stack)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let overflow = Self.sse(event: "overflow", StreamOverflowMessage(message: Self.overflowText))
        return Response(status: .ok, headers: headers,
                        body: Self.streamed(stream, heartbeat: ByteBuffer(string: ": keep-alive\n\n"), overflow: overflow))
    }

    /// The replay, then the live events of `stack` (every stack: nil), as SSE chunks. Bounded:
    /// the replay plus `buffer` chunks the reader has not taken; one more ends the stream with
    /// `StreamOverflow` (the subscription behind `live` is bounded the same way).
    static func eventChunks(replay: [EventMessage], live: AsyncThrowingStream<EventRecord, any Error>, stack: String?,
                            buffer: Int = StoreObserver.subscriberBuffer) -> (AsyncThrowingStream<ByteBuffer, any Error>, Task<Void, Never>) {
        let limit = replay.count + buffer
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(limit))
        let forward = Task {
            for event in replay { continuation.yield(Self.sse(event)) }
            do {
                for try await record in live where stack == nil || record.stack == stack {
                    guard case .dropped = continuation.yield(Self.sse(EventMessage(record))) else { continue }
                    continuation.finish(throwing: StreamOverflow(limit: limit))
                    return
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in forward.cancel() }
        return (stream, forward)
    }

    static let overflowText = "the client fell too far behind: the agent ended this stream; follow again to go on"

    static func sse<T: Encodable>(event: String, _ value: T) -> ByteBuffer {
        let data = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "event: \(event)\ndata: \(data)\n\n")
    }

    static func sse(_ event: EventMessage) -> ByteBuffer {
        let data = (try? encoder.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var text = ""
        if let id = event.id { text += "id: \(id)\n" }
        text += "event: \(event.type)\ndata: \(data)\n\n"
        return ByteBuffer(string: text)
    }

    /// A chunked body of `chunks`, with `heartbeat` written whenever nothing else was for a
    /// while; ends when the sequence ends or the client goes away.
    ///
    /// Bounded: `chunks` is read at most `window` chunks ahead of what the client took, so a
    /// slow client slows the source (whose own bounded buffer then ends it with
    /// `StreamOverflow`, written to the client as `overflow` once the chunks before it are
    /// out). A client that takes nothing for `stallTimeout` is dropped: the response ends
    /// there, and the connection with it.
    ///
    /// A body with no room for anything but its own bytes (an archive) has no `heartbeat`, and
    /// `onError: .abort` cuts it short when its source fails or the agent shuts down.
    static func streamed<S: AsyncSequence & Sendable>(_ chunks: S, heartbeat: ByteBuffer?, overflow: ByteBuffer,
                                                      window: Int = streamWindow, stallTimeout: Duration = stallTimeout,
                                                      heartbeatInterval: Duration = heartbeat,
                                                      onError: StreamErrorEnding = .end) -> ResponseBody
    where S.Element == ByteBuffer {
        ResponseBody { writer in
            let (merged, continuation) = AsyncStream.makeStream(of: StreamPart.self)
            let (credits, credit) = AsyncStream.makeStream(of: Void.self)
            let progress = StreamProgress()
            let producer = Task {
                var available = window
                var more = credits.makeAsyncIterator()
                do {
                    for try await chunk in chunks {
                        while available == 0 {
                            guard await more.next() != nil else { return }
                            available += 1
                        }
                        available -= 1
                        continuation.yield(.chunk(chunk))
                    }
                    continuation.yield(.end)
                } catch is StreamOverflow {
                    continuation.yield(.overflow)
                } catch {
                    if case .abort = onError { continuation.yield(.failed(error)) } else { continuation.yield(.end) }
                }
            }
            let beat = Task {
                guard heartbeat != nil else { return }
                while !Task.isCancelled {
                    try? await Task.sleep(for: heartbeatInterval)
                    // At most one heartbeat waits for a client that is not reading.
                    if progress.claimHeartbeat() { continuation.yield(.heartbeat) }
                }
            }
            defer {
                producer.cancel()
                beat.cancel()
                continuation.finish()
                credit.finish()
            }
            let box = StreamWriterBox(writer)
            let ending = try await withThrowingTaskGroup(of: StreamPart?.self) { group in
                group.addTask {
                    // An agent shutting down ends its streams: the server waits for open
                    // responses before it stops.
                    try await withGracefulShutdownHandler {
                        for await part in merged {
                            switch part {
                            case .chunk(let chunk):
                                progress.writeStarted()
                                try await box.writer.write(chunk)
                                progress.writeEnded()
                                credit.yield()
                            case .heartbeat:
                                guard let heartbeat else { continue }
                                progress.writeStarted()
                                try await box.writer.write(heartbeat)
                                progress.writeEnded()
                                progress.heartbeatWritten()
                            case .end, .overflow, .failed:
                                return part
                            }
                        }
                        return nil
                    } onGracefulShutdown: {
                        if case .abort = onError {
                            continuation.yield(.failed(AICoreError(.shutDown, "the agent shut down before the response was complete")))
                        } else {
                            continuation.yield(.end)
                        }
                    }
                }
                group.addTask {
                    // A write the client does not take: cancel it (and so the response) from here.
                    try await progress.waitUntilStalled(stallTimeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
            switch ending {
            case .end?:
                break
            case .overflow?:
                try await box.writer.write(overflow)
            case .failed(let error)?:
                if case .abort(let report) = onError { report(error) }
                throw error
            default:
                throw StreamStalled()
            }
            try await box.writer.finish(nil)
        }
    }

    // MARK: helpers

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func json(_ value: [String: String]) -> Response {
        (try? json(value, status: .ok)) ?? Response(status: .ok)
    }

    static func ndjson<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try encoder.encode(value)) + [UInt8(ascii: "\n")]
    }

    static func decode<T: Decodable>(_ request: Request) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        guard buffer.readableBytes > 0 else { throw AICoreError(.badRequest, "the body must be a JSON object") }
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw AICoreError(.badRequest, "the body is not the JSON this endpoint expects: \(Self.describe(error))")
        }
    }

    /// The JSON body, or nil when there is none.
    static func decodeOptional<T: Decodable>(_ request: Request) async throws -> T? {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw AICoreError(.badRequest, "the body is not the JSON this endpoint expects: \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case let .keyNotFound(key, _)?: "missing `\(key.stringValue)`"
        case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?:
            "wrong type at `\(context.codingPath.map(\.stringValue).joined(separator: "."))`"
        case .dataCorrupted?: "malformed JSON"
        default: "malformed JSON"
        }
    }

    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let value = request.uri.queryParameters.get(name) else { return false }
        switch value.lowercased() {
        case "", "1", "true", "yes": return true
        case "0", "false", "no": return false
        default: throw AICoreError(.badRequest, "`\(name)` must be true or false, not \(value)")
        }
    }
}

extension AgentRequestContext {
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw AICoreError(.badRequest, "missing path parameter \(name)") }
        // The router hands the segment over as sent: `web%2F1` means `web/1`, and messages say so.
        return value.removingPercentEncoding ?? value
    }
}

/// One revision of a stack.
public struct RevisionMessage: Codable, Sendable, Equatable {
    public var revision: Int
    public var specHash: String
    public var createdAt: String

    public init(_ record: RevisionRecord) {
        revision = record.revision
        specHash = record.specHash
        createdAt = record.createdAt
    }
}
