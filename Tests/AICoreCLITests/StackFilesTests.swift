import Foundation
import Testing
@testable import AICoreCLI

/// Which stack files a verb means when no -f is given: `COMPOSE_FILE`, then the Compose default
/// file here or in a parent directory, as `docker compose` decides.
@Suite struct StackFilesTests {
    @Test func composeFileListsTheFilesWithItsSeparatorAndRelativeToHere() throws {
        let here = "/srv/shop"
        #expect(StackFiles().located(from: here, environment: ["COMPOSE_FILE": "compose.yml:/etc/shop/prod.yml"])
                == ["/srv/shop/compose.yml", "/etc/shop/prod.yml"])
        #expect(StackFiles().located(from: here, environment: ["COMPOSE_FILE": "a.yml;b.yml", "COMPOSE_PATH_SEPARATOR": ";"])
                == ["/srv/shop/a.yml", "/srv/shop/b.yml"])
        // -f wins over it.
        #expect(StackFiles(files: ["x.yml"]).located(from: here, environment: ["COMPOSE_FILE": "compose.yml"]) == ["x.yml"])
    }

    @Test func withoutItTheNearestDefaultFileIsFound() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stackfiles-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root + "/src/app", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "services: {}\n".write(toFile: root + "/compose.yaml", atomically: true, encoding: .utf8)
        #expect(StackFiles().located(from: root + "/src/app", environment: [:]) == [root + "/compose.yaml"])
        #expect(StackFiles().located(from: root + "/src/app", environment: ["COMPOSE_FILE": ""]) == [root + "/compose.yaml"])
    }
}
