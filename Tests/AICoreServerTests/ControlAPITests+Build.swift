import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `POST /v1/stacks/{stack}/build`: what is refused before anything is built, with its own
/// status, and how a build that fails after the stream started ends it.
extension ControlAPITests {
    @Test func buildRefusesUnknownServicesAndBadFilesBeforeItStreams() async throws {
        let name = Self.uniqueName()
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-build-\(name)").path
        try FileManager.default.createDirectory(atPath: project + "/app", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: project) }
        try "FROM busybox\n".write(toFile: project + "/app/Dockerfile", atomically: true, encoding: .utf8)
        let file = """
            name: \(name)
            services:
              web:
                build: ./app
              db:
                command: ["/bin/true"]
            """
        let path = "path=\(project)/compose.yml"
        try await ControlAPIHarness.with { harness in
            try await harness.test { client in
                let unknown = try await client.execute(uri: "/v1/stacks/\(name)/build?\(path)&service=api", method: .post,
                                                       headers: Self.yaml, body: ByteBuffer(string: file))
                #expect(try expectProblem(unknown, .notFound).detail == "no service api in stack \(name)")

                let pulled = try await client.execute(uri: "/v1/stacks/\(name)/build?\(path)&service=db", method: .post,
                                                      headers: Self.yaml, body: ByteBuffer(string: file))
                #expect(try expectProblem(pulled, .badRequest).detail.contains("service db has no `build` section"))

                let missing = try await client.execute(uri: "/v1/stacks/\(name)/build?path=/nowhere/compose.yml", method: .post,
                                                       headers: Self.yaml, body: ByteBuffer(string: file))
                // A context not there is only a warning when the file loads; the build refuses it
                // before it streams.
                let problem = try expectProblem(missing, .unprocessableContent)
                #expect(problem.detail == "service web: the build context /nowhere/app does not exist", "\(problem)")

                // A Dockerfile buildah refuses (offline: no base image is looked for): the build
                // starts, and its stream ends with the problem, naming buildah's reason.
                let refused = file.replacingOccurrences(of: "build: ./app", with: "build: {dockerfile_inline: \"FRM scratch\"}")
                let built = try await client.execute(uri: "/v1/stacks/\(name)/build?\(path)", method: .post,
                                                     headers: Self.yaml, body: ByteBuffer(string: refused))
                #expect(built.status == .ok)
                #expect(built.headers[.contentType] == "application/x-ndjson")
                let lines = built.text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                let last = try ControlAPI.decoder.decode(BuildMessage.self, from: Data(try #require(lines.last).utf8))
                #expect(last.service == "web")
                #expect(last.error?.status == 422, "\(built.text)")
                #expect(last.error?.type.hasSuffix("/build-failed") == true)
                #expect(last.error?.detail.hasPrefix("building the image of service web: ") == true, "\(built.text)")
                #expect(try await harness.plane.stackNames().isEmpty, "a build applies nothing")
            }
        }
    }
}
