import Foundation
import Testing

/// `config print` and secrets, as a user types it: values never printed, unless
/// `--show-secrets`, which reads the file and the interpolation environment (`.env` here).
@Suite struct ConfigPrintSecretsTests {
    let fileValue = "file-v4lue-\(UUID().uuidString)"
    let envValue = "env-v4lue-\(UUID().uuidString)"

    func project() throws -> String {
        let directory = NSTemporaryDirectory() + "aicore-cli-secrets-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/secrets", withIntermediateDirectories: true)
        try fileValue.write(toFile: directory + "/secrets/token.txt", atomically: true, encoding: .utf8)
        try "DB_PASSWORD=\(envValue)\n".write(toFile: directory + "/.env", atomically: true, encoding: .utf8)
        try """
            name: shop
            services:
              api:
                command: ["true"]
                secrets: [token, db]
                configs:
                  - source: app
                    target: /tmp/app.conf
            secrets:
              token:
                file: ./secrets/token.txt
              db:
                environment: DB_PASSWORD
            configs:
              app:
                content: "mode=demo"

            """.write(toFile: directory + "/compose.yml", atomically: true, encoding: .utf8)
        return directory
    }

    @Test("print names each secret's source and never its value, from the project directory, with -f and with -p")
    func printHidesValues() throws {
        let directory = try project()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (arguments, cwd) in [(["config", "print"], directory), (["config", "print", "-f", directory + "/compose.yml"], "/"),
                                 (["config", "print", "-p", "other"], directory)] {
            let result = try CommandRunner.run(arguments, directory: cwd)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("file: \(directory)/secrets/token.txt"), "\(result.stdout)")
            #expect(result.stdout.contains("environment: DB_PASSWORD"))
            #expect(result.stdout.contains("content: mode=demo"))
            #expect(!result.stdout.contains(fileValue) && !result.stdout.contains(envValue))
            #expect(!result.stderr.contains(fileValue) && !result.stderr.contains(envValue))
        }
    }

    @Test("--show-secrets prints the file's content and the variable from .env")
    func showSecrets() throws {
        let directory = try project()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CommandRunner.run(["config", "print", "--show-secrets"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("content: \(fileValue)"), "\(result.stdout)")
        #expect(result.stdout.contains("content: \(envValue)"), "\(result.stdout)")
    }

    @Test("--show-secrets with a secret whose variable is unset exits 1 with one line naming it")
    func showSecretsUnsetVariable() throws {
        let directory = try project()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.removeItem(atPath: directory + "/.env")
        var environment = ProcessInfo.processInfo.environment
        environment["DB_PASSWORD"] = nil
        let result = try CommandRunner.run(["config", "print", "--show-secrets"], environment: environment, directory: directory)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "aicore-node: secret db: the variable DB_PASSWORD is not set\n", "\(result.stderr)")
    }

    @Test("--help describes --show-secrets")
    func help() throws {
        let result = try CommandRunner.run(["config", "print", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--show-secrets"))
    }
}
