import Testing
@testable import AICoreImages

@Suite("Which endpoints a registry is reached at")
struct RegistryConfigurationTests {
    @Test(
        "Loopback registries may use plain http (tried first, then https), as Docker allows",
        arguments: ["127.0.0.1:5000", "127.8.9.10:443", "localhost:5000", "localhost", "[::1]:5000"]
    )
    func loopback(registry: String) {
        let endpoints = RegistryConfiguration().endpoints(for: registry)
        #expect(endpoints.map(\.baseURL) == ["http://\(registry)", "https://\(registry)"])
        #expect(endpoints.allSatisfy { !$0.isMirror && $0.credentialRegistry == registry })
    }

    @Test("Any other registry is https only", arguments: ["registry.example.com", "registry.example.com:5000", "10.1.2.3:5000", "128.0.0.1"])
    func httpsOnly(registry: String) {
        #expect(RegistryConfiguration().endpoints(for: registry).map(\.baseURL) == ["https://\(registry)"])
    }

    @Test("Insecure registries: a host:port allows that port, a host every port, a CIDR its addresses")
    func insecure() {
        let configuration = RegistryConfiguration(insecure: ["reg.local:5000", "other.local", "10.0.0.0/8", "http://schemed.local"])
        #expect(configuration.allowsPlainHTTP(host: "reg.local:5000"))
        #expect(!configuration.allowsPlainHTTP(host: "reg.local:5001"))
        #expect(!configuration.allowsPlainHTTP(host: "reg.local"))
        #expect(configuration.allowsPlainHTTP(host: "other.local:1234"))
        #expect(configuration.allowsPlainHTTP(host: "other.local"))
        #expect(configuration.allowsPlainHTTP(host: "10.200.3.4:5000"))
        #expect(!configuration.allowsPlainHTTP(host: "11.0.0.1:5000"))
        #expect(configuration.allowsPlainHTTP(host: "schemed.local"))
        #expect(!configuration.allowsPlainHTTP(host: "example.com"))
        // A name that merely starts like a loopback address is not one.
        #expect(!configuration.allowsPlainHTTP(host: "127.0.0.1.example.com"))
        #expect(configuration.endpoints(for: "reg.local:5000").map(\.baseURL) == ["http://reg.local:5000", "https://reg.local:5000"])
    }

    @Test("Docker Hub: its mirrors in order, each with its own credentials, then registry-1.docker.io")
    func mirrors() {
        let configuration = RegistryConfiguration(
            insecure: ["m2.local:5000"],
            mirrors: ["https://m1.example.com/", "m2.local:5000", "http://m3.local", "https://bad.example.com/with/path", ""]
        )
        for name in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
            let endpoints = configuration.endpoints(for: name)
            #expect(endpoints.map(\.baseURL) == [
                "https://m1.example.com", "http://m2.local:5000", "https://m2.local:5000", "http://m3.local", "https://registry-1.docker.io",
            ])
            #expect(endpoints.map(\.isMirror) == [true, true, true, true, false])
            #expect(endpoints.map(\.credentialRegistry) == ["m1.example.com", "m2.local:5000", "m2.local:5000", "m3.local", "docker.io"])
        }
        #expect(RegistryConfiguration().endpoints(for: "docker.io").map(\.baseURL) == ["https://registry-1.docker.io"])
        // Mirrors are Docker Hub's only.
        #expect(configuration.endpoints(for: "quay.io").map(\.baseURL) == ["https://quay.io"])
    }
}
