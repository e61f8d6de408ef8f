import ArgumentParser
import Testing
@testable import AICoreCLI

/// `config` alone is `config print`, as `docker compose config`.
@Suite struct ConfigCommandParseTests {
    @Test func configAloneIsConfigPrint() throws {
        let parsed = try AICoreNode.parseAsRoot(["config", "-f", "stack.yml"])
        #expect(parsed is ConfigPrint)
        #expect(try AICoreNode.parseAsRoot(["config", "validate", "--offline", "-f", "stack.yml"]) is ConfigValidate)
        #expect(try AICoreNode.parseAsRoot(["config", "print", "-f", "stack.yml"]) is ConfigPrint)
    }
}
