import AICoreErrors
import AICoreSystem
import Hummingbird
import NIOCore

/// `cp` (docs/api/openapi.yaml): Docker's archive endpoints. `GET …/archive?path=` answers the
/// tar of a file or directory of the instance, `PUT …/archive?path=` applies a tar into a
/// directory of it, and `GET …/archive/stat?path=` says what a path is, so the client knows
/// whether a copy goes into a directory or takes a name.
extension ControlAPI {
    func addCopyRoutes(_ v1: RouterGroup<AgentRequestContext>) {
        let (plane, logger) = (plane, logger)
        v1.get("instances/:id/archive/stat") { request, context in
            try Self.json(try await plane.pathStatus(try context.parameter("id"), path: try Self.pathQuery(request),
                                                     follow: try Self.flag(request, "follow")))
        }
        v1.get("instances/:id/archive") { request, context in
            let (id, path) = (try context.parameter("id"), try Self.pathQuery(request))
            let fd = try await plane.archive(id, path: path, follow: try Self.flag(request, "follow"))
            var headers = HTTPFields()
            headers[.contentType] = "application/x-tar"
            // The whole tar is written before the first byte goes: an error is a problem
            // document, never a cut archive.
            return Response(status: .ok, headers: headers, body: Self.streamed(
                FileChunks(descriptor: fd), heartbeat: nil, overflow: ByteBuffer(), window: Self.saveWindow, onError: .abort(report: { error in logger.error("cp of \(path) out of \(id) was cut short: \(error)") })
            ))
        }
        v1.put("instances/:id/archive") { request, context in
            let id = try context.parameter("id")
            let path = try Self.pathQuery(request)
            let upload = try await Self.receiveUpload(request, into: plane.copyDirectory)
            defer { try? FileIO.removeFile(upload) }
            return try Self.json(try await plane.extract(id, into: path, archive: upload,
                                                         name: request.uri.queryParameters.get("name").map { String($0) },
                                                         keepOwners: try Self.flag(request, "keep_owner")))
        }
    }

    static func pathQuery(_ request: Request) throws -> String {
        guard let path = request.uri.queryParameters.get("path"), !path.isEmpty else {
            throw AICoreError(.badRequest, "`path` names the file or directory in the instance, e.g. ?path=/etc/hosts")
        }
        return String(path)
    }
}
