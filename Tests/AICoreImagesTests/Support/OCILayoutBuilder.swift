import AICoreSystem
import AICoreTestSupport
import Foundation
@testable import AICoreImages

/// OCI image layouts made from this host's files with Debian's umoci: real images, with no
/// registry and no internet.
struct OCILayoutBuilder {
    let directory: String

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// `umoci init` of a new layout at `directory`.
    static func make(at directory: String) async throws -> OCILayoutBuilder {
        try await run("umoci", ["init", "--layout", directory])
        return OCILayoutBuilder(directory: directory)
    }

    /// A new image with no layers, as `tag`.
    func new(_ tag: String) async throws {
        try await Self.run("umoci", ["new", "--image", "\(directory):\(tag)"])
    }

    /// Adds a layer holding `source` (a host file or directory) at `target` to `tag`.
    func insert(_ tag: String, _ source: String, at target: String, extra: [String] = []) async throws {
        try await Self.run("umoci", ["insert"] + extra + ["--image", "\(directory):\(tag)", source, target])
    }

    /// Copies `tag` to `newTag` (both then share every blob).
    func tag(_ tag: String, as newTag: String) async throws {
        try await Self.run("umoci", ["tag", "--image", "\(directory):\(tag)", newTag])
    }

    /// The manifest `tag` names in index.json.
    func manifest(_ tag: String) throws -> (descriptor: Descriptor, manifest: ImageManifest) {
        let source = try OCILayoutSource(directory: directory)
        guard let entry = source.entries.first(where: { $0.annotations?["org.opencontainers.image.ref.name"] == tag }) else {
            throw CommandFailed(description: "no \(tag) in \(directory)/index.json")
        }
        let bytes = try FileIO.read(source.blobPath(entry.digest))
        return (entry, try JSONDecoder().decode(ImageManifest.self, from: Data(bytes)))
    }

    func blobPath(_ digest: Digest) -> String {
        "\(directory)/blobs/\(digest.algorithm.rawValue)/\(digest.hex)"
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String]) async throws -> String {
        let output = try await offload {
            try ChildProcess.run("/usr/bin/env", [program] + arguments, timeout: .seconds(120))
        }
        guard output.status == 0 else {
            throw CommandFailed(description: "\(program) \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
        return output.stdout
    }
}

/// A fresh directory under /tmp, removed by the caller.
func temporaryDirectory(_ prefix: String) throws -> String {
    let path = "/tmp/aicore-images-test-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileIO.makeDirectories(path, mode: 0o700)
    return path
}
