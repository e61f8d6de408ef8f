import Foundation
import Testing

@testable import AICoreSpec

/// No key of the Compose Specification is silently dropped: each is in a catalog, as
/// implemented, ignored with a warning, or unsupported.
@Suite struct ComposeKeysTests {
    private static func schema() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: StackFixture.resources + "/compose-spec.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private static func properties(_ object: Any?) -> Set<String> {
        guard let dictionary = object as? [String: Any], let properties = dictionary["properties"] as? [String: Any] else {
            return []
        }
        return Set(properties.keys)
    }

    private static func definition(_ name: String) throws -> Any? {
        (try schema()["definitions"] as? [String: Any])?[name]
    }

    @Test("every top-level key is catalogued")
    func topLevel() throws {
        let keys = Self.properties(try Self.schema())
        #expect(keys.subtracting(ComposeKeys.topLevel.keys.keys).isEmpty)
    }

    @Test("every service key is catalogued")
    func service() throws {
        let keys = Self.properties(try Self.definition("service"))
        #expect(keys.count > 80)
        #expect(keys.subtracting(ComposeKeys.service.keys.keys).sorted() == [])
    }

    @Test("every deploy, healthcheck and resources key is catalogued")
    func nested() throws {
        let deploy = try Self.definition("deployment")
        #expect(Self.properties(deploy).subtracting(ComposeKeys.deploy.keys.keys).sorted() == [])
        #expect(Self.properties(try Self.definition("healthcheck")).subtracting(ComposeKeys.healthcheck.keys.keys).sorted() == [])
        let deployProperties = (deploy as? [String: Any])?["properties"] as? [String: Any]
        let resources = deployProperties?["resources"]
        #expect(Self.properties(resources).subtracting(ComposeKeys.resources.keys.keys).sorted() == [])
        let resourceProperties = (resources as? [String: Any])?["properties"] as? [String: Any]
        #expect(Self.properties(resourceProperties?["limits"]).subtracting(ComposeKeys.limits.keys.keys).sorted() == [])
        #expect(
            Self.properties(resourceProperties?["reservations"]).subtracting(ComposeKeys.reservations.keys.keys).sorted() == [])
        #expect(
            Self.properties(deployProperties?["restart_policy"]).subtracting(ComposeKeys.restartPolicy.keys.keys).sorted() == [])
        #expect(
            Self.properties(deployProperties?["update_config"]).subtracting(ComposeKeys.updateConfig.keys.keys).sorted() == [])
    }

    @Test("every build key is catalogued")
    func build() throws {
        let build = (try Self.definition("service") as? [String: Any])?["properties"].flatMap { ($0 as? [String: Any])?["build"] }
        let forms = (build as? [String: Any])?["oneOf"] as? [Any] ?? []
        let keys = forms.map(Self.properties).reduce(into: Set<String>()) { $0.formUnion($1) }
        #expect(keys.count > 20)
        #expect(keys.subtracting(ComposeKeys.build.keys.keys).sorted() == [])
    }

    @Test("every top-level volume, network, secret and config key is catalogued")
    func definitions() throws {
        #expect(Self.properties(try Self.definition("volume")).subtracting(ComposeKeys.topLevelVolume.keys.keys).sorted() == [])
        #expect(Self.properties(try Self.definition("network")).subtracting(ComposeKeys.topLevelNetwork.keys.keys).sorted() == [])
        #expect(Self.properties(try Self.definition("secret")).subtracting(ComposeKeys.secret.keys.keys).sorted() == [])
        #expect(Self.properties(try Self.definition("config")).subtracting(ComposeKeys.config.keys.keys).sorted() == [])
    }

    @Test("a typo gets the nearest key", arguments: [
        ("helthcheck", "healthcheck"), ("comand", "command"), ("enviroment", "environment"), ("dpeloy", "deploy"),
        ("restrat", "restart"), ("volume", "volumes"), ("port", "ports"),
    ])
    func suggestions(typo: String, expected: String) {
        #expect(ComposeKeys.service.suggestion(for: typo) == expected)
    }

    @Test("an unrelated word gets no suggestion")
    func noSuggestion() {
        #expect(ComposeKeys.service.suggestion(for: "zzzzzzzzzz") == nil)
    }

    /// The catalogs `docs/spec-reference.md` tabulates under "Every Compose key" (x-aicore's are
    /// documented with their own section).
    static let documentedCatalogs: [KeyCatalog] = [
        ComposeKeys.topLevel, ComposeKeys.service, ComposeKeys.build, ComposeKeys.deploy, ComposeKeys.resources,
        ComposeKeys.limits, ComposeKeys.reservations, ComposeKeys.restartPolicy, ComposeKeys.updateConfig,
        ComposeKeys.healthcheck, ComposeKeys.hook, ComposeKeys.dependsOn, ComposeKeys.port, ComposeKeys.volumeMount,
        ComposeKeys.bindOptions, ComposeKeys.volumeOptions, ComposeKeys.tmpfsOptions, ComposeKeys.ulimit,
        ComposeKeys.topLevelVolume, ComposeKeys.topLevelNetwork, ComposeKeys.ipam, ComposeKeys.ipamPool,
        ComposeKeys.serviceNetwork, ComposeKeys.secret, ComposeKeys.fileReference, ComposeKeys.config,
    ]

    /// "Every Compose key": `### catalog` headings, each over rows `| `key` | status | why |`.
    static func documentedKeys() throws -> [String: [String: String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/spec-reference.md"), encoding: .utf8)
        let section = try #require(text.range(of: "\n## Every Compose key\n")).upperBound
        var tables: [String: [String: String]] = [:]
        var current: String?
        for line in text[section...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            if line.hasPrefix("### ") {
                current = String(line.dropFirst(4))
                continue
            }
            guard let current, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2 else { continue }
            tables[current, default: [:]][cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        return tables
    }

    @Test("docs/spec-reference.md tabulates every catalogued key with the loader's treatment of it")
    func everyKeyIsDocumented() throws {
        let documented = try Self.documentedKeys()
        #expect(Set(documented.keys) == Set(Self.documentedCatalogs.map(\.name)))
        for catalog in Self.documentedCatalogs {
            let rows = documented[catalog.name] ?? [:]
            #expect(Set(rows.keys) == Set(catalog.keys.keys), "\(catalog.name): \(Set(rows.keys).symmetricDifference(catalog.keys.keys).sorted())")
            for (key, support) in catalog.keys {
                let expected: Set<String> = switch support {
                case .supported: ["supported", "differs"]
                case .ignored: ["ignored"]
                case .unsupported: ["refused"]
                }
                #expect(expected.contains(rows[key] ?? "missing"), "\(catalog.name).\(key) is \(rows[key] ?? "missing"), expected \(expected.sorted())")
            }
        }
    }
}
