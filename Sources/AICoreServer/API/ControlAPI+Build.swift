import AICoreErrors
import AICoreSpec
import AICoreSupervisor
import Hummingbird
import NIOCore

/// `POST /v1/stacks/{stack}/build`: the images of a stack file's services with `build:`, built
/// by the agent (docs/api/openapi.yaml). The body is the stack file, as `POST /v1/stacks`
/// takes it; the stack need not be applied yet.
extension ControlAPI {
    func addBuildRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        v1.post("stacks/:stack/build") { request, context in
            let (text, path, _) = try await sentStack(request)
            let query = request.uri.queryParameters
            let options = ControlPlane.BuildOptions(
                services: query.getAll("service").map { String($0) }.filter { !$0.isEmpty },
                noCache: try Self.flag(request, "no_cache"), pull: try Self.flag(request, "pull"))
            // Unknown services and a stack file with errors are refused here, with their own
            // status, before the stream starts.
            let services = try await plane.servicesToBuild(text: text, path: path, projectName: try context.parameter("stack"),
                                                           options: options)
            return buildStream(services, options: options)
        }
    }

    /// Lines of build output a client may fall behind by.
    static let buildLineBuffer = 8192

    /// The builds, one service after the other, as NDJSON `BuildMessage`s: buildah's lines,
    /// each service's image when stored, and the problem that stopped them, if one did.
    func buildStream(_ services: [Service], options: ControlPlane.BuildOptions) -> Response {
        // Beyond `limit` lines the client has not taken, the stream ends with the overflow
        // message rather than holding the agent's memory (and the build stops).
        let limit = Self.buildLineBuffer
        let (lines, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(limit))
        let plane = plane
        let build = Task {
            for service in services {
                let name = service.name
                let message: BuildMessage
                do throws(AICoreError) {
                    let image = try await plane.buildImage(service, options: options) { line in
                        let chunk = ByteBuffer(bytes: (try? Self.ndjson(BuildMessage(service: name, line: line))) ?? [])
                        if case .dropped = continuation.yield(chunk) { continuation.finish(throwing: StreamOverflow(limit: limit)) }
                    }
                    message = BuildMessage(service: name, image: image)
                } catch {
                    let problem = ProblemMiddleware<AgentRequestContext>.document(for: error)
                    continuation.yield(ByteBuffer(bytes: (try? Self.ndjson(BuildMessage(service: name, error: problem))) ?? []))
                    continuation.finish()
                    return
                }
                continuation.yield(ByteBuffer(bytes: (try? Self.ndjson(message)) ?? []))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in build.cancel() }
        var headers = HTTPFields()
        headers[.contentType] = "application/x-ndjson"
        let overflow = ByteBuffer(bytes: (try? Self.ndjson(StreamOverflowMessage(message: Self.overflowText))) ?? [])
        return Response(status: .ok, headers: headers, body: Self.streamed(lines, heartbeat: ByteBuffer(string: "\n"), overflow: overflow))
    }
}
