import Testing
@testable import AICoreServer

extension AgentConfigurationTests {
    @Test func privilegedInstancesAreRefusedUnlessTheFileAllowsThem() throws {
        #expect(!AgentConfiguration().allowPrivileged)
        #expect(try AgentConfiguration.parse("security:\n  allow_privileged: true\n", path: "aicore.yml").allowPrivileged)
        #expect(try !AgentConfiguration.parse("security: {allow_privileged: false}\n", path: "aicore.yml").allowPrivileged)
    }

    @Test(arguments: [
        ("security: yes\n", "aicore.yml:1:1: `security` expects a mapping with `allow_privileged`"),
        ("security:\n  allow_privileges: true\n", "aicore.yml:2:3: unknown setting `security.allow_privileges`; known: allow_privileged"),
        ("security:\n  allow_privileged: sometimes\n", "aicore.yml:2:3: `security.allow_privileged` expects true or false"),
    ])
    func aMistakeInSecurityIsLocated(_ text: String, _ message: String) {
        #expect { _ = try AgentConfiguration.parse(text, path: "aicore.yml") } throws: { error in "\(error)" == message }
    }
}
