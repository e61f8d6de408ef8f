import Foundation
import Testing

@testable import AICoreSpec

/// `secrets` and `configs`: the top-level definitions and a service's references to them, in
/// every shape Compose allows, and what the loader makes of each.
@Suite("Secrets and configs")
struct FileReferenceTests {
    static let stack = """
        services:
          api:
            command: sleep 1
            secrets:
              - token
              - source: db_password
                target: db
                uid: "1000"
                gid: 1001
                mode: 0440
              - source: api_key
                target: /etc/app/key
            configs:
              - app_conf
              - source: nginx
                target: /etc/nginx/nginx.conf
                mode: 0644
        secrets:
          token:
            file: ./token.txt
          db_password:
            environment: DB_PASSWORD
          api_key:
            file: /srv/keys/api
            name: shared-key
        configs:
          app_conf:
            content: "port=${PORT}"
          nginx:
            file: conf/nginx.conf
        """

    func load(_ yaml: String = stack, environment: [String: String] = ["PORT": "8080"], strict: Bool = false) throws -> (LoadedStack, StackFixture) {
        let fixture = try StackFixture()
        return (try fixture.load(yaml: yaml, environment: environment, strict: strict), fixture)
    }

    @Test("the short syntax mounts a secret at /run/secrets/<name> and a config at /<name>, with Compose's default modes")
    func shortSyntax() throws {
        let (loaded, fixture) = try load()
        defer { fixture.remove() }
        let api = try #require(loaded.stack.service(named: "api"))
        let token = try #require(api.secrets.first)
        #expect(token.source == "token")
        #expect(token.destination(.secret) == "/run/secrets/token")
        #expect(token.mode == nil && FileReference.Kind.secret.defaultMode == 0o400)
        let appConf = try #require(api.configs.first)
        #expect(appConf.destination(.config) == "/app_conf")
        #expect(FileReference.Kind.config.defaultMode == 0o444)
    }

    @Test("the long syntax takes a relative or absolute target, a uid and gid as number or string, and an octal mode")
    func longSyntax() throws {
        let (loaded, fixture) = try load()
        defer { fixture.remove() }
        let api = try #require(loaded.stack.service(named: "api"))
        #expect(api.secrets[1] == FileReference(source: "db_password", target: "db", uid: 1000, gid: 1001, mode: 0o440,
                                                 definition: .environment("DB_PASSWORD")))
        #expect(api.secrets[1].destination(.secret) == "/run/secrets/db")
        #expect(api.secrets[2].destination(.secret) == "/etc/app/key")
        #expect(api.configs[1].destination(.config) == "/etc/nginx/nginx.conf")
        #expect(api.configs[1].mode == 0o644)
    }

    @Test("each reference carries its definition's source: a file relative to the project directory, a variable's name, interpolated content")
    func definitionsAttach() throws {
        let (loaded, fixture) = try load()
        defer { fixture.remove() }
        let api = try #require(loaded.stack.service(named: "api"))
        #expect(api.secrets[0].definition == .file(fixture.baseDirectory + "/token.txt"))
        #expect(api.secrets[1].definition == .environment("DB_PASSWORD"))
        #expect(api.configs[0].definition == .content("port=8080"))
        #expect(api.configs[1].definition == .file(fixture.baseDirectory + "/conf/nginx.conf"))
        let names = loaded.stack.secrets.map(\.name)
        #expect(names.contains("shared-key"))
        #expect(names.contains(loaded.stack.name + "_token"))
    }

    @Test("a service's secrets and configs are supported: no warning, also under --strict")
    func supportedUnderStrict() throws {
        let (loaded, fixture) = try load(strict: true)
        defer { fixture.remove() }
        #expect(loaded.warnings.filter { $0.keyPath.contains("secrets") || $0.keyPath.contains("configs") }.isEmpty)
    }

    @Test("the printed stack keeps every reference and loads back into the same stack")
    func roundTrip() throws {
        let (loaded, fixture) = try load()
        defer { fixture.remove() }
        let printed = StackPrinter.render(loaded.stack, format: .yaml)
        #expect(printed.contains("- token"))
        #expect(printed.contains("mode: '0440'") || printed.contains("mode: \"0440\""), "\(printed)")
        let again = try fixture.load(yaml: printed, environment: [:])
        #expect(again.stack == loaded.stack)
    }

    @Test("the printed stack names where a secret comes from, never its value; --show-secrets's stack holds the value")
    func printingHidesValues() throws {
        let value = "s3cr3t-value-\(UUID().uuidString)"
        let (loaded, fixture) = try load(environment: ["PORT": "1", "DB_PASSWORD": value])
        defer { fixture.remove() }
        let printed = StackPrinter.render(loaded.stack, format: .yaml) + StackPrinter.render(loaded.stack, format: .json)
        #expect(!printed.contains(value))
        #expect(printed.contains("environment: DB_PASSWORD"))
        let revealed = StackPrinter.revealingSecrets(loaded.stack) { $0.key == "db_password" ? loaded.variables["DB_PASSWORD"] : nil }
        #expect(StackPrinter.render(revealed, format: .yaml).contains(value))
    }

    @Test("a config's new content or a secret's new source changes the service's spec hash; the same stack keeps it")
    func specHash() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        func api(_ environment: [String: String]) throws -> Service {
            try #require(try fixture.load(yaml: Self.stack, environment: environment).stack.service(named: "api"))
        }
        let first = try api(["PORT": "8080"])
        #expect(ServiceSpecHash.of(first) == ServiceSpecHash.of(try api(["PORT": "8080", "DB_PASSWORD": "any"])))
        #expect(ServiceSpecHash.of(first) != ServiceSpecHash.of(try api(["PORT": "9090"])))
        var moved = first
        moved.secrets[0].definition = .file("/elsewhere/token.txt")
        #expect(ServiceSpecHash.of(first) != ServiceSpecHash.of(moved))
    }

    @Test("on the host root, a target the host lacks is a located warning, except in the instance's own /run or /tmp; on an image, none")
    func hostRootTargets() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let yaml = """
            services:
              api:
                command: sleep 1
                secrets: [token]
                configs:
                  - source: app
                    target: /etc/app/app.conf
                  - source: app
                    target: /tmp/app.conf
            secrets:
              token: {file: ./t}
            configs:
              app: {content: x}
            """
        let loaded = try fixture.load(yaml: yaml, hostPathExists: { _ in false })
        let warning = try #require(loaded.warnings.first { $0.keyPath.hasPrefix("services.api.") })
        #expect(loaded.warnings.filter { $0.keyPath.hasPrefix("services.api.") }.count == 1)
        #expect(warning.kind == .composeHabit)
        #expect(warning.keyPath == "services.api.configs[0]")
        #expect(warning.location?.line == 6 && warning.location?.column == 9)
        #expect(warning.message.hasPrefix("config target /etc/app/app.conf does not exist on the host"))
        let onImage = try fixture.load(yaml: yaml.replacingOccurrences(of: "command: sleep 1", with: "image: alpine"),
                                       hostPathExists: { _ in false })
        #expect(onImage.warnings.filter { $0.keyPath.hasPrefix("services.api.") }.isEmpty)
    }

    @Test("a secret's file that does not exist yet is a located notice, not an error: it is read when an instance starts")
    func missingFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: Self.stack, environment: ["PORT": "1"], hostPathExists: { !$0.hasSuffix("/token.txt") })
        let notice = try #require(loaded.warnings.first { $0.keyPath == "secrets.token.file" })
        #expect(notice.kind == .notice)
        #expect(notice.location?.line == 20 && notice.location?.column == 11)
        #expect(notice.message == "secret file \(fixture.baseDirectory)/token.txt does not exist: instances that use it fail to start until it does")
        #expect(throws: Never.self) { try fixture.load(yaml: Self.stack, environment: ["PORT": "1"], strict: true, hostPathExists: { _ in false }) }
    }
}
