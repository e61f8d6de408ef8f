import Foundation
import Testing

@testable import AICoreSpec

/// Compose's `!reset` and `!override` YAML tags in a later file.
extension StackMergerTests {
    @Suite("!reset and !override")
    struct Tags {
        @Test("!reset removes what the earlier file set, whatever form it is written in", arguments: [
            "ports: !reset []", "ports: !reset null", "ports: !reset",
        ])
        func resetList(_ line: String) throws {
            let api = try StackMergerTests.api("services:\n  api:\n    \(line)\n")
            #expect(api.ports.isEmpty)
            #expect(api.volumes.count == 2)
        }

        @Test("!reset on a mapping and on a scalar")
        func resetMappingAndScalar() throws {
            let api = try StackMergerTests.api("services:\n  api:\n    labels: !reset {}\n    user: !reset null\n    healthcheck: !reset\n")
            #expect(api.labels.isEmpty)
            #expect(api.user == nil)
            #expect(api.healthcheck == nil)
        }

        @Test("!override replaces a mapping or a list instead of merging it")
        func override() throws {
            let api = try StackMergerTests.api(
                "services:\n  api:\n    environment: !override {ONLY: this}\n    volumes: !override [\"./other:/other\"]\n")
            #expect(api.environment == ["ONLY": "this"])
            #expect(api.volumes.map(\.target) == ["/other"])
        }

        @Test("!reset can remove a whole service of the earlier file")
        func resetService() throws {
            let stack = try StackMergerTests.merged("services:\n  db: !reset\n  api:\n    depends_on: !reset []\n").stack
            #expect(stack.services.map(\.name) == ["api"])
        }

        @Test("in a single file, a !reset key is as if not written and !override changes nothing")
        func singleFile() throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let stack = try fixture.load(
                yaml: "services:\n  api:\n    command: sleep 1\n    user: !reset app\n    environment: !override {A: b}\n"
            ).stack
            #expect(stack.services[0].user == nil)
            #expect(stack.services[0].environment == ["A": "b"])
        }

        @Test("YAML's own tags are accepted")
        func coreTags() throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let stack = try fixture.load(yaml: "services:\n  api:\n    command: !!str sleep 1\n    environment: !!map {A: !!str 1}\n").stack
            #expect(stack.services[0].environment == ["A": "1"])
        }

        @Test("any other tag is an error at its value, naming the key path")
        func unknownTag() throws {
            let fixture = try StackFixture()
            defer { fixture.remove() }
            let errors = fixture.errors(yaml: "services:\n  api:\n    command: sleep 1\n    ports:\n      - !remove \"80\"\n")
            #expect(errors.count == 1, "errors: \(errors.map(\.description))")
            let error = try #require(errors.first)
            #expect(error.location?.line == 5)
            #expect(error.location?.column == 9)
            #expect(error.keyPath == "services.api.ports[0]")
            #expect(error.message == "unknown YAML tag `!remove`: only `!reset` and `!override` are understood")
        }
    }
}
