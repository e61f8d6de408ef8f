import Testing
@testable import AICoreRuntime

@Suite struct HiddenHostPathsTests {
    @Test func theHostSecretsAreOnTheList() {
        for path in ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/root", "/home", "/etc/ssh/ssh_host_*_key"] {
            #expect(HiddenHostPaths.hostSecrets.contains(path), "\(path)")
        }
    }

    @Test func aStarMatchesNamesInItsDirectoryAndAbsentPathsAreDropped() {
        let files: [String: [String]] = ["/etc/ssh": ["ssh_config", "ssh_host_ed25519_key", "ssh_host_ed25519_key.pub", "ssh_host_rsa_key"]]
        let existing: Set = ["/etc/shadow", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key", "/real/home"]
        let resolved = HiddenHostPaths.resolve(
            ["/etc/shadow", "/etc/gshadow", "/etc/ssh/ssh_host_*_key", "/home", "/etc/shadow", "relative"],
            entries: { files[$0] },
            realPath: { $0 == "/home" ? "/real/home" : (existing.contains($0) ? $0 : nil) })
        #expect(resolved == ["/etc/shadow", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key", "/real/home"])
    }
}
