import AICoreTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// The files a stack was applied from, as `GET /v1/stacks` gives them to `ls`.
extension ControlAPITests {
    @Test func aStackListsTheFilesOfItsLastApply() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name]) { harness in
            try await harness.test { client in
                let file = harness.directory + "/compose.yml"
                let override = harness.directory + "/compose.override.yml"
                let applied = try await client.execute(uri: "/v1/stacks?path=\(file)&config_files=\(file)&config_files=\(override)",
                                                       method: .post, headers: Self.yaml, body: ByteBuffer(string: Self.stackFile(name)))
                #expect(applied.status == .accepted, "\(applied.text)")
                let listed = try await client.execute(uri: "/v1/stacks", method: .get).json([StackStatus].self)
                #expect(listed.first { $0.name == name }?.configFiles == [file, override])
                // Without config_files, the file it is loaded as.
                let again = try await client.execute(uri: "/v1/stacks?path=\(file)", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.stackFile(name)))
                #expect(again.status == .accepted)
                let status = try await client.execute(uri: "/v1/stacks/\(name)", method: .get).json(StackStatus.self)
                #expect(status.configFiles == [file])
                // Kept with the stack in the Store, where a restarted agent reads them.
                #expect(try await harness.plane.store.stack(named: name)?.configFiles == [file])
            }
        }
    }
}
