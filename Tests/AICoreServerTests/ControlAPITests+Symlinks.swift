import AICoreOS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// What a user sees when a workload leaves a symlink where its next start mounts a volume
/// (issue 13, finding 5), over a real control plane (real instances).
extension ControlAPITests {
    /// Named volumes at /tmp/data and /tmp/data/sub: sub's mount point lives in data's
    /// directory. A root workload with SYS_ADMIN unmounts sub, leaves a symlink to `/` in its
    /// place and exits; the restart fails with an event that says why, and binds nothing.
    @Test func aNestedVolumeSwappedForASymlinkFailsItsRestartWithAClearEvent() async throws {
        let name = Self.uniqueName()
        let stackFile = """
            name: \(name)
            services:
              swapper:
                user: root
                cap_add: [SYS_ADMIN]
                restart: always
                command: ["/bin/sh", "-c", "umount /tmp/data/sub && rm -rf /tmp/data/sub && ln -s / /tmp/data/sub"]
                volumes: [data:/tmp/data, sub:/tmp/data/sub]
            volumes:
              data: {}
              sub: {}

            """
        let expected = "Start failed (code 125): volume target /tmp/data/sub: a path component is a symlink (refused: mounts follow no symlinks)"
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            let volumes = harness.directory + "/volumes"
            try await harness.test { client in
                let applied = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: stackFile))
                #expect(applied.status == .accepted, "\(applied.text)")
                var events: [EventMessage] = []
                let refused = try await eventually {
                    let response = try await client.execute(uri: "/v1/instances/\(name)-swapper-1", method: .get)
                    guard response.status == .ok, let instance = try? response.json(InstanceStatus.self) else { return false }
                    events = instance.events ?? []
                    return events.contains { $0.reason == expected }
                }
                #expect(refused, "\(events.map { "\($0.type): \($0.reason)" })")
                // The first run exited by itself, after the swap; no later run started.
                #expect(events.filter { $0.type == "started" }.count == 1, "\(events.map(\.reason))")
                #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(volumes)/\(name)_data/sub") == "/")
                #expect(FileIO.isDirectory("\(volumes)/\(name)_sub"))
            }
        }
    }
}
