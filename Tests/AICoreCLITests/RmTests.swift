import ArgumentParser
import Testing
@testable import AICoreCLI

/// `rm` reads its line as `docker compose rm` does: `-f` is --force.
@Suite struct RmTests {
    @Test func rmsDashFIsForceAndItsStackFileIsLongOnly() throws {
        let rm = try Rm.parse(["-f", "-s", "-v", "--file", "a.yml", "-p", "shop", "web"])
        #expect(rm.force && rm.stop && rm.volumes)
        #expect(rm.files == ["a.yml"] && rm.projectName == "shop" && rm.services == ["web"])
        let plain = try Rm.parse([])
        #expect(!plain.force && !plain.stop && plain.services.isEmpty)
        // As in Compose: `-f a.yml` is --force and a service named a.yml.
        let force = try Rm.parse(["-f", "a.yml"])
        #expect(force.force && force.services == ["a.yml"] && force.files.isEmpty)
    }
}
