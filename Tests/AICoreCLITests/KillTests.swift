import ArgumentParser
import Testing
@testable import AICoreCLI

/// `kill` reads its line as `docker compose kill` does.
@Suite struct KillTests {
    @Test func killTakesASignalServicesAndTheStackOptions() throws {
        let kill = try Kill.parse(["-s", "SIGHUP", "-p", "shop", "web", "worker"])
        #expect(kill.signal == "SIGHUP")
        #expect(kill.options.services == ["web", "worker"])
        #expect(kill.options.selection.stackFiles.projectName == "shop")
        #expect(try Kill.parse(["--signal", "9"]).signal == "9")
        let all = try Kill.parse(["-f", "a.yml", "--profile", "debug", "--env-file", "x.env"])
        #expect(all.signal == "SIGKILL" && all.options.services.isEmpty, "SIGKILL by default, every service")
        #expect(all.options.selection.stackFiles.files == ["a.yml"])
        #expect(all.options.selection.stackFiles.profiles == ["debug"])
        #expect(all.options.selection.stackFiles.envFiles == ["x.env"])
    }
}
