import Foundation
import Testing

/// `aicore-node config validate|print`, driven through the real binary as a user would.
@Suite struct ConfigCommandTests {
    let stack = CommandRunner.packageRoot + "/config/stacks/ai-core.yml"

    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "aicore-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("validate --offline exits 0 on the reference stack and says so, contacting no agent")
    func validateReferenceStack() throws {
        let result = try CommandRunner.run(["config", "validate", "--offline", "-f", stack])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ai-core: valid, 5 services, 0 warnings\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("with no agent reachable, validate says in one line that the node checks were skipped, and exits 0")
    func validateWithoutAnAgentSkipsTheNodeChecks() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["AICORE_HOST"] = directory + "/aicore.sock"
        let result = try CommandRunner.run(["config", "validate", "-f", stack], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ai-core: valid, 5 services, 0 warnings\n")
        #expect(result.stderr == "aicore-node: node checks skipped: cannot reach the agent at unix://\(directory)/aicore.sock: No such file or directory; is `aicore-node agent` running?\n")
        // --offline never tries.
        let offline = try CommandRunner.run(["config", "validate", "--offline", "-f", stack], environment: environment)
        #expect(offline.status == 0 && offline.stderr.isEmpty, "\(offline.stderr)")
        // A file with errors fails on them, before any agent is asked.
        try "services:\n  web: {command: [\"true\"], deploy: {replicas: three}}\n".write(toFile: directory + "/bad.yml", atomically: true, encoding: .utf8)
        let bad = try CommandRunner.run(["config", "validate", "-f", directory + "/bad.yml"], environment: environment)
        #expect(bad.status == 2)
        #expect(!bad.stderr.contains("node checks"), "\(bad.stderr)")
    }

    @Test("print --format json prints the normalized model as JSON")
    func printJSON() throws {
        let result = try CommandRunner.run(["config", "print", "-f", stack, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["name"] as? String == "ai-core")
        let services = try #require(json["services"] as? [String: Any])
        let api = try #require(services["api"] as? [String: Any])
        let deploy = try #require(api["deploy"] as? [String: Any])
        #expect(deploy["replicas"] as? Int == 3)
        // Defaults are filled in and durations are canonical.
        #expect(api["stop_grace_period"] as? String == "10s")
        #expect(api["stop_signal"] as? String == "SIGTERM")
    }

    @Test("print --format yaml loads again to the same printout")
    func printYAMLIsStable() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try CommandRunner.run(["config", "print", "-f", stack])
        #expect(first.status == 0)
        let printed = directory + "/printed.yml"
        try first.stdout.write(toFile: printed, atomically: true, encoding: .utf8)
        let second = try CommandRunner.run(["config", "print", "-f", printed])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
    }

    @Test("a broken file exits 2 with one located line per error and a summary")
    func invalidFileExitsTwo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/stack.yml"
        try """
            services:
              api:
                command: ["true"]
                helthcheck:
                  test: ["CMD", "true"]
                deploy:
                  replicas: three
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["config", "validate", "-f", file])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(file):4:5: error: services.api.helthcheck: unknown key `helthcheck` in service; did you mean `healthcheck`?",
            "\(file):7:17: error: services.api.deploy.replicas: expected a non-negative integer, found \"three\"",
            "aicore-node: 2 errors in \(file)",
        ])
        #expect(result.stdout.isEmpty)
    }

    @Test("a missing file, a directory and an empty file each get one clear line and exit 2")
    func unreadableInputs() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let empty = directory + "/empty.yml"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let cases: [(String, String)] = [
            (directory + "/missing.yml", "\(directory)/missing.yml: no such file"),
            (directory, "\(directory): is a directory, expected a stack file"),
            (empty, "\(empty): is empty, expected a mapping with `services`"),
        ]
        for (path, message) in cases {
            let result = try CommandRunner.run(["config", "validate", "-f", path])
            #expect(result.status == 2, "\(path)")
            #expect(result.stderr.hasPrefix("error: \(message)\n"), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
        }
    }

    @Test("--strict turns unsupported keys into errors; ignored ones stay warnings")
    func strictMode() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/stack.yml"
        try """
            version: "3.8"
            services:
              web:
                gpus: all
                command: ["true"]
                container_name: web
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let relaxed = try CommandRunner.run(["config", "validate", "-f", file])
        #expect(relaxed.status == 0)
        #expect(relaxed.stderr.contains("\(file):4:5: warning: services.web.gpus:"))
        let strict = try CommandRunner.run(["config", "validate", "--strict", "-f", file])
        #expect(strict.status == 2)
        #expect(strict.stderr.contains("\(file):4:5: error: services.web.gpus:"))
        #expect(strict.stderr.contains("\(file):1:1: warning: version:"))
        #expect(strict.stderr.contains("\(file):6:5: warning: services.web.container_name:"))
    }

    @Test("several -f files merge, and --env-file and --profile apply")
    func mergeEnvAndProfiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            services:
              web:
                command: ["serve", "${MODE:-dev}"]
                environment: {A: "1"}
              debug:
                command: ["sleep", "1"]
                profiles: [debug]
            """.write(toFile: directory + "/base.yml", atomically: true, encoding: .utf8)
        try """
            services:
              web:
                environment: {B: "2"}
            """.write(toFile: directory + "/override.yml", atomically: true, encoding: .utf8)
        try "MODE=prod\n".write(toFile: directory + "/prod.env", atomically: true, encoding: .utf8)
        let result = try CommandRunner.run([
            "config", "print", "--format", "json", "-f", directory + "/base.yml", "-f", directory + "/override.yml",
            "--env-file", directory + "/prod.env", "--profile", "debug",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let services = try #require(json["services"] as? [String: Any])
        #expect(services.keys.sorted() == ["debug", "web"])
        let web = try #require(services["web"] as? [String: Any])
        #expect(web["command"] as? [String] == ["serve", "prod"])
        #expect(web["environment"] as? [String: String] == ["A": "1", "B": "2"])
    }

    @Test("config --services, --volumes, --images and --profiles print names; -q only validates; -o writes a file")
    func composeListings() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/compose.yml"
        try """
            name: demo
            services:
              web:
                image: nginx:1
                volumes: [data:/data]
              worker:
                build: .
              debug:
                image: busybox
                profiles: [debug, tools]
            volumes:
              data:
              cache:
            """.write(toFile: file, atomically: true, encoding: .utf8)
        try "FROM scratch\n".write(toFile: directory + "/Dockerfile", atomically: true, encoding: .utf8)
        func config(_ arguments: String...) throws -> CommandRunner.Result {
            try CommandRunner.run(["config", "-f", file] + arguments)
        }
        #expect(try config("--services").stdout == "web\nworker\n")
        #expect(try config("--services", "--profile", "debug").stdout == "debug\nweb\nworker\n")
        #expect(try config("--volumes").stdout == "data\ncache\n")
        #expect(try config("--images").stdout == "nginx:1\ndemo-worker:latest\n")
        #expect(try config("--profiles").stdout == "debug\ntools\n")
        let quiet = try config("-q")
        #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet)")
        let written = try config("-o", directory + "/out.yml")
        #expect(written.status == 0 && written.stdout.isEmpty)
        #expect(try String(contentsOfFile: directory + "/out.yml", encoding: .utf8) == (try config()).stdout)
        // A broken file fails -q as it fails print.
        try "services:\n  web: {command: [\"true\"], deploy: {replicas: three}}\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try config("-q").status == 2)
    }

    @Test("a bad flag exits 2 with a usage hint, not a stack trace")
    func badFlag() throws {
        let result = try CommandRunner.run(["config", "validate", "--no-such-flag"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("aicore-node: "))
        #expect(result.stderr.contains("--no-such-flag"))
    }

    @Test("--help describes the command")
    func help() throws {
        let result = try CommandRunner.run(["config", "validate", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--strict"))
        #expect(result.stdout.contains("--offline"))
        #expect(result.stdout.contains("OVERVIEW: Check stack files and report every problem"))
    }
}
