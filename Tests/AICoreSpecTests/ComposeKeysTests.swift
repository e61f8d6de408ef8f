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
}
