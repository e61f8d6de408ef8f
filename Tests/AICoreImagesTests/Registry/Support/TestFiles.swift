import AICoreSystem
import AICoreTestSupport
import Foundation
@testable import AICoreImages

/// Files a test checks, read off the cooperative pool.
enum TestFiles {
    static func bytes(_ path: String) async throws -> [UInt8] {
        try await offload { try FileIO.read(path) }
    }

    static func digest(_ path: String) async throws -> Digest {
        Digest.sha256(of: try await bytes(path))
    }

    static func exists(_ path: String) -> Bool {
        FileIO.exists(path)
    }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) async throws {
        try await offload { try FileIO.write(path, bytes, mode: mode) }
    }
}
