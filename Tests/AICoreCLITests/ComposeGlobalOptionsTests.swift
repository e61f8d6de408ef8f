import Testing
@testable import AICoreCLI

/// `docker compose -f prod.yml up` reads as `up -f prod.yml`.
@Suite struct ComposeGlobalOptionsTests {
    @Test func projectOptionsBeforeTheVerbMoveAfterIt() {
        #expect(ComposeGlobalOptions.normalized(["-f", "prod.yml", "up", "-d", "--wait"]) == ["up", "--file", "prod.yml", "-d", "--wait"])
        #expect(ComposeGlobalOptions.normalized(["-f", "a.yml", "-f", "b.yml", "-p", "shop", "--env-file", "x.env", "ps", "api"])
            == ["ps", "--file", "a.yml", "--file", "b.yml", "-p", "shop", "--env-file", "x.env", "api"])
        #expect(ComposeGlobalOptions.normalized(["--file=prod.yml", "--profile", "debug", "down", "-v"])
            == ["down", "--file=prod.yml", "--profile", "debug", "-v"])
    }

    @Test func logsTakesTheFileAsFileNotFollow() throws {
        let logs = try AICoreNode.parseAsRoot(ComposeGlobalOptions.normalized(["-f", "prod.yml", "logs", "api"])) as? Logs
        #expect(logs?.follow == false)
    }

    @Test func aVerbWithSubcommandsKeepsThemAfterItsSubcommand() {
        #expect(ComposeGlobalOptions.normalized(["-f", "prod.yml", "config", "print"]) == ["config", "print", "--file", "prod.yml"])
        #expect(ComposeGlobalOptions.normalized(["-p", "shop", "rollout", "status", "api"]) == ["rollout", "status", "-p", "shop", "api"])
    }

    @Test func aLineThatDoesNotStartWithThemIsLeftAlone() {
        for line in [["up", "-f", "x.yml"], ["--help"], ["-f", "x.yml"], ["-f", "x.yml", "--help"], ["run", "--", "-f", "x"], []] {
            #expect(ComposeGlobalOptions.normalized(line) == line, "\(line)")
        }
    }

    @Test func theMovedLineParses() throws {
        let up = try AICoreNode.parseAsRoot(ComposeGlobalOptions.normalized(["-f", "prod.yml", "-p", "shop", "up", "-d"])) as? Up
        #expect(up?.stackFiles.files == ["prod.yml"] && up?.stackFiles.projectName == "shop" && up?.detach == true)
    }

    @Test func createIsUpWithoutStarting() throws {
        #expect(ComposeGlobalOptions.normalized(["create", "--build"]) == ["up", "--no-start", "--build"])
        #expect(ComposeGlobalOptions.normalized(["-f", "prod.yml", "create"]) == ["up", "--file", "prod.yml", "--no-start"])
        let up = try AICoreNode.parseAsRoot(ComposeGlobalOptions.normalized(["-p", "shop", "create", "--scale", "api=2"])) as? Up
        #expect(up?.noStart == true && up?.stackFiles.projectName == "shop" && up?.scale == ["api=2"])
        #expect(ComposeGlobalOptions.normalized(["run", "create"]) == ["run", "create"], "only as the verb")
    }
}
