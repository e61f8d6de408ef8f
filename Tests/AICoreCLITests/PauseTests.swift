import ArgumentParser
import Testing
@testable import AICoreCLI

/// `pause` and `unpause` read their lines as `docker compose`'s do.
@Suite struct PauseTests {
    @Test func pauseAndUnpauseTakeServices() throws {
        #expect(try Pause.parse(["web"]).options.services == ["web"])
        #expect(try Unpause.parse(["-p", "shop"]).options.services.isEmpty)
    }
}
