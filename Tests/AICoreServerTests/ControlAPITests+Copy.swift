import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `cp`'s archive endpoints over a real control plane and a real instance (run from the host's
/// root, read-only, with a private /tmp).
extension ControlAPITests {
    /// A hand-written ustar archive of `entries`: no tool writes `../x`.
    static func ustar(_ entries: [(String, String)]) -> ByteBuffer {
        ByteBuffer(bytes: HandWrittenTar.ustar(entries))
    }

    @Test func archiveEndpointsCopyInAndOutOfARunningInstanceAndAnswerProblemsOtherwise() async throws {
        let name = Self.uniqueName()
        let id = "\(name)-sleeper-1"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: Self.stackFile(name)))
                #expect(applied.status == .accepted, "\(applied.text)")
                try #require(try await eventually {
                    try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self).converged
                })
                let tar: HTTPFields = [.contentType: "application/x-tar"]

                // In, then out again: the instance's private /tmp.
                let put = try await client.execute(uri: "/v1/instances/\(id)/archive?path=/tmp", method: .put, headers: tar,
                                                   body: Self.ustar([("hello.txt", "hi\n")]))
                #expect(put.status == .ok, "\(put.text)")
                #expect(try put.json(CopyResult.self) == CopyResult(entries: 1, bytes: 3))
                let stat = try await client.execute(uri: "/v1/instances/\(id)/archive/stat?path=/tmp/hello.txt", method: .get)
                #expect(try stat.json(PathStatus.self) == PathStatus(name: "hello.txt", kind: "file", size: 3, mode: 0o644))
                let got = try await client.execute(uri: "/v1/instances/\(id)/archive?path=/tmp/hello.txt", method: .get)
                #expect(got.status == .ok && got.headers[.contentType] == "application/x-tar")
                let bytes = Array(got.body.readableBytesView)
                #expect(bytes.count % 512 == 0 && Array(bytes.prefix(9)) == Array("hello.txt".utf8) && got.text.contains("hi\n"))

                // A missing path, no path, no such instance: problem documents.
                let missing = try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive?path=/tmp/nope", method: .get), .notFound)
                #expect(missing.detail == "no such file or directory in instance \(id): /tmp/nope")
                try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive/stat?path=/tmp/nope", method: .get), .notFound)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive", method: .get), .badRequest)
                try expectProblem(try await client.execute(uri: "/v1/instances/\(name)-nope-1/archive?path=/tmp", method: .get), .notFound)

                // An archive naming ../x: refused whole, nothing written.
                let evil = try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive?path=/tmp", method: .put, headers: tar,
                                                                      body: Self.ustar([("ok.txt", "fine\n"), ("../x", "no\n")])), .badRequest)
                #expect(evil.detail.hasSuffix("cp refuses the archive: its entry ../x names a path outside the destination (an absolute name or a `..`); nothing was written"), "\(evil.detail)")
                try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive/stat?path=/tmp/ok.txt", method: .get), .notFound)

                // The host's root, read-only inside the instance: a conflict that says so.
                let readOnly = try expectProblem(try await client.execute(uri: "/v1/instances/\(id)/archive?path=/", method: .put, headers: tar,
                                                                          body: Self.ustar([("planted", "no\n")])), .conflict)
                #expect(readOnly.detail.hasSuffix("cannot write planted: the destination is on a read-only filesystem"), "\(readOnly.detail)")
                #expect(!FileManager.default.fileExists(atPath: "/planted"))
            }
        }
    }
}
