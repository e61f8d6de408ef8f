import AICoreRuntime
import AICoreSpec
import AICoreSystem
import Foundation
import Testing
@testable import AICoreSupervisor

/// Secrets and configs become `InstanceFile`s read when the instance starts, from the source
/// the stored spec names: a file's current content, a variable, a config's inline content.
extension TaskSpecBuilderTests {
    @Test func secretsAndConfigsAreReadAtStartWithTheirTargetsModesAndOwners() throws {
        let directory = NSTemporaryDirectory() + "aicore-files-" + UUID().uuidString
        try FileIO.makeDirectories(directory, mode: 0o700)
        defer { try? FileIO.removeTree(directory) }
        try FileIO.write(directory + "/token", "first")
        let api = service {
            $0.secrets = [FileReference(source: "token", definition: .file(directory + "/token")),
                          FileReference(source: "db", target: "/etc/db", uid: 70, gid: 71, mode: 0o440, definition: .environment("DB_PW"))]
            $0.configs = [FileReference(source: "app", definition: .content("port=1"))]
        }
        let files = try TaskSpecBuilder.files(for: api, environment: ["DB_PW": "from-env"])
        #expect(files == [
            InstanceFile(destination: "/run/secrets/token", content: Array("first".utf8), mode: 0o400),
            InstanceFile(destination: "/etc/db", content: Array("from-env".utf8), mode: 0o440, uid: 70, gid: 71),
            InstanceFile(destination: "/app", content: Array("port=1".utf8), mode: 0o444),
        ])
        // A changed file is what the next start gets.
        try FileIO.write(directory + "/token", "second")
        #expect(try TaskSpecBuilder.files(for: api, environment: ["DB_PW": "x"]).first?.content == Array("second".utf8))
    }

    @Test func aMissingSourceFailsTheStartNamingTheSourceNeverAValue() throws {
        let missingFile = service { $0.secrets = [FileReference(source: "token", definition: .file("/nonexistent/token"))] }
        #expect(throws: TaskSpecBuilder.Failure.self) { try TaskSpecBuilder.files(for: missingFile, environment: [:]) }
        let unset = service { $0.secrets = [FileReference(source: "db", definition: .environment("DB_PW"))] }
        do {
            _ = try TaskSpecBuilder.files(for: unset, environment: ["OTHER": "value-not-shown"])
            Issue.record("no failure")
        } catch {
            #expect(error.description == "service api: secret `db`: the variable DB_PW is not set in the agent's environment")
        }
    }

    @Test func aSecretsHostFileIsHiddenFromAnInstanceOnTheHostRootOnly() throws {
        let directory = NSTemporaryDirectory() + "aicore-files-" + UUID().uuidString
        try FileIO.makeDirectories(directory, mode: 0o700)
        defer { try? FileIO.removeTree(directory) }
        try FileIO.write(directory + "/token", "t")
        try FileIO.write(directory + "/app.conf", "c")
        let api = service {
            $0.secrets = [FileReference(source: "token", definition: .file(directory + "/token")),
                          FileReference(source: "inline", definition: .environment("PATH"))]
            $0.configs = [FileReference(source: "app", definition: .file(directory + "/app.conf"))]
        }
        // Configs are no secret; an image root has no host file to hide.
        #expect(try build(api).hiddenPaths == [directory + "/token"])
        #expect(try build(api, imageRoot: TaskSpec.ImageRoot(layersBase: "/nonexistent", layers: [])).hiddenPaths.isEmpty)
    }
}
