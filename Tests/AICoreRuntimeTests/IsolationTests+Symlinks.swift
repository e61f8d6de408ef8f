import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// Symlinks a root workload leaves in a volume, seen from `aicore-node run` (issue 13, finding 5).
extension IsolationTests {
    /// `-v ./data:/tmp/data` then `-v ./data/sub:/tmp/sub`: the first run swaps data/sub for a
    /// symlink to `/`; the second would have shown the host's whole root at /tmp/sub.
    @Test func aVolumeSourceSwappedForASymlinkIsRefused() async throws {
        let host = try TestEnvironment.temporaryDirectory("swap")
        defer { try? FileIO.removeTree(host) }
        try FileIO.makeDirectories(host + "/data/sub")
        try FileIO.write(host + "/marker", "host\n")
        let first = try await run(TestEnvironment.uniqueName("swap"), ["-v", "\(host)/data:/tmp/data", "--",
                                                                 "sh", "-c", "rm -rf /tmp/data/sub && ln -s / /tmp/data/sub"])
        #expect(first.status == 0, "\(first.stderr)")

        let second = try await run(TestEnvironment.uniqueName("swap"), ["-v", "\(host)/data:/tmp/data", "-v", "\(host)/data/sub:/tmp/sub",
                                                                  "--", "cat", "/tmp/sub\(host)/marker"])
        #expect(second.stdout == "")
        #expect(second.status == 125)
        #expect(second.stderr == "aicore-node run: volume source \(host)/data/sub: a path component is a symlink (refused: mounts follow no symlinks)\n")
    }
}
