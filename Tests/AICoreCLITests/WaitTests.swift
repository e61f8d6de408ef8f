import ArgumentParser
import Testing
@testable import AICoreCLI

/// `wait` reads its line as `docker compose wait` does.
@Suite struct WaitTests {
    @Test func waitNeedsAServiceAndTakesDownProject() throws {
        let wait = try Wait.parse(["--down-project", "migrate", "seed"])
        #expect(wait.downProject && wait.services == ["migrate", "seed"])
        #expect(throws: (any Error).self) { try Wait.parse([]) }
    }
}
