import AICoreErrors
import Testing
@testable import AICoreImages

@Suite("An image reference is normalised as Docker normalises it")
struct ImageReferenceTests {
    @Test(
        "Docker Hub names gain docker.io, library/ and latest",
        arguments: [
            ("redis", "docker.io/library/redis:latest", "redis:latest"),
            ("redis:7-alpine", "docker.io/library/redis:7-alpine", "redis:7-alpine"),
            ("pgvector/pgvector:pg15", "docker.io/pgvector/pgvector:pg15", "pgvector/pgvector:pg15"),
            ("docker.io/nginx", "docker.io/library/nginx:latest", "nginx:latest"),
            ("index.docker.io/library/nginx:alpine", "docker.io/library/nginx:alpine", "nginx:alpine"),
            ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
            ("localhost:5000/team/app:2", "localhost:5000/team/app:2", "localhost:5000/team/app:2"),
            ("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"),
            ("registry.example.com/a/b/c:v1.2.3", "registry.example.com/a/b/c:v1.2.3", "registry.example.com/a/b/c:v1.2.3"),
            ("[::1]:5000/app:1", "[::1]:5000/app:1", "[::1]:5000/app:1"),
            ("my-org/my__app", "docker.io/my-org/my__app:latest", "my-org/my__app:latest"),
        ]
    )
    func normalises(input: String, full: String, familiar: String) throws {
        let reference = try ImageReference(parsing: input)
        #expect(reference.description == full)
        #expect(reference.familiar == familiar)
    }

    @Test("A digest pins the reference, with or without a tag")
    func digests() throws {
        let hex = String(repeating: "ab", count: 32)
        let pinned = try ImageReference(parsing: "redis@sha256:\(hex)")
        #expect(pinned.tag == nil)
        #expect(pinned.digest?.description == "sha256:\(hex)")
        #expect(pinned.description == "docker.io/library/redis@sha256:\(hex)")

        let both = try ImageReference(parsing: "host:5000/app:1@sha256:\(hex)")
        #expect(both.registry == "host:5000")
        #expect(both.repository == "app")
        #expect(both.tag == "1")
        #expect(both.digest != nil)
    }

    @Test("A registry port is not a tag; a colon after the last slash is")
    func portsAndTags() throws {
        let reference = try ImageReference(parsing: "host:5000/app")
        #expect(reference.registry == "host:5000")
        #expect(reference.tag == "latest")
        // Docker reads a colon with no slash before it as a tag of a Hub image.
        let hub = try ImageReference(parsing: "host:5000")
        #expect(hub.description == "docker.io/library/host:5000")
    }

    @Test("Docker Hub's API host and credential key are not docker.io")
    func dockerHubEndpoints() throws {
        let hub = try ImageReference(parsing: "redis")
        #expect(hub.apiHost == "registry-1.docker.io")
        #expect(hub.credentialKey == "https://index.docker.io/v1/")
        let local = try ImageReference(parsing: "127.0.0.1:5000/app")
        #expect(local.apiHost == "127.0.0.1:5000")
        #expect(local.credentialKey == "127.0.0.1:5000")
    }

    @Test(
        "Malformed references are refused, saying why",
        arguments: [
            ("", "empty"),
            ("Redis", "lowercase"),
            ("redis:", "tag"),
            ("redis:-x", "tag"),
            ("redis:" + String(repeating: "a", count: 129), "tag"),
            ("a//b", "component"),
            ("a/b-", "component"),
            ("a/b_-c", "component"),
            ("a/b...c", "component"),
            ("redis@sha256:abc", "64 lowercase hex"),
            ("redis@md5:" + String(repeating: "a", count: 32), "not supported"),
            ("host:99999/app", "registry host"),
            ("-host.com/app", "registry host"),
            ("red is", "spaces"),
        ]
    )
    func refusesMalformed(input: String, reason: String) {
        #expect {
            _ = try ImageReference(parsing: input)
        } throws: { error in
            guard let error = error as? AICoreError else { return false }
            return (error.code == .invalidReference || error.code == .invalidDigest) && error.message.contains(reason)
        }
    }
}
