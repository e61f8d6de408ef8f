import AICoreErrors
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
@testable import AICoreImages

@Suite("Registry credentials from Docker's, podman's and aicore-node's files")
struct RegistryCredentialsTests {
    private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test("An auths entry: base64 auth, username and password, or an identity token")
    func entryForms() async throws {
        let directory = try TemporaryDirectory("credentials-forms")
        try await cleaningUp([directory]) {
            let config = """
                {"auths": {
                  "a.example": {"auth": "\(base64("alice:pa:ss"))"},
                  "b.example": {"username": "bob", "password": "hunter2"},
                  "c.example": {"auth": "\(base64("carol:"))", "identitytoken": "refresh-me"},
                  "d.example": {},
                  "e.example": {"auth": "not base64!"}
                }}
                """
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: path, helperSearchPath: [])
            #expect(try await credentials.lookup(registry: "a.example") == .basic(username: "alice", password: "pa:ss"))
            #expect(try await credentials.lookup(registry: "b.example") == .basic(username: "bob", password: "hunter2"))
            #expect(try await credentials.lookup(registry: "c.example") == .identityToken("refresh-me", username: "carol"))
            #expect(try await credentials.lookup(registry: "d.example") == nil)
            #expect(try await credentials.lookup(registry: "nowhere.example") == nil)
            let error = await thrownError { _ = try await credentials.lookup(registry: "e.example") }
            #expect(error?.code == .registryAuth)
            #expect(error?.message == "the credentials for \"e.example\" in \(path) are not base64 of user:password; log in again")
        }
    }

    @Test(
        "Docker Hub's credentials are found under each of its keys",
        arguments: ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io", "https://index.docker.io/v1"]
    )
    func dockerHubKeys(key: String) async throws {
        let directory = try TemporaryDirectory("credentials-hub")
        try await cleaningUp([directory]) {
            let path = try await DockerConfig.write(DockerConfig.auths([key: ("hubuser", "hubpass")]), as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: path, helperSearchPath: [])
            for registry in ["docker.io", "index.docker.io", "registry-1.docker.io"] {
                #expect(try await credentials.lookup(registry: registry) == .basic(username: "hubuser", password: "hubpass"), "\(registry)")
            }
            #expect(try await credentials.lookup(registry: "quay.io") == nil)
        }
    }

    @Test("Another registry's are found as host[:port], https://host and http://host/v2/, nothing else")
    func hostKeys() async throws {
        let directory = try TemporaryDirectory("credentials-hosts")
        try await cleaningUp([directory]) {
            let config = DockerConfig.auths([
                "plain.example:5000": ("p", "1"), "https://tls.example": ("t", "2"), "http://old.example:8080/v2/": ("o", "3"),
                // podman's repository-scoped key does not stand for the whole registry.
                "scoped.example/team": ("s", "4"),
            ])
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: path, helperSearchPath: [])
            #expect(try await credentials.lookup(registry: "plain.example:5000")?.username == "p")
            #expect(try await credentials.lookup(registry: "plain.example") == nil)
            #expect(try await credentials.lookup(registry: "tls.example")?.username == "t")
            #expect(try await credentials.lookup(registry: "old.example:8080")?.username == "o")
            #expect(try await credentials.lookup(registry: "scoped.example") == nil)
        }
    }

    @Test("aicore-node's own file comes first, then $REGISTRY_AUTH_FILE, then Docker's config")
    func precedence() async throws {
        let directory = try TemporaryDirectory("credentials-order")
        try await cleaningUp([directory]) {
            let own = try await DockerConfig.write(DockerConfig.auths(["one.example": ("own", "1")]), as: "own.json", in: directory)
            let podman = try await DockerConfig.write(DockerConfig.auths(["one.example": ("podman", "2"), "two.example": ("podman", "2")]), as: "auth.json", in: directory)
            let docker = try await DockerConfig.write(
                DockerConfig.auths(["one.example": ("docker", "3"), "two.example": ("docker", "3"), "three.example": ("docker", "3")]),
                as: "config.json", in: directory
            )
            let credentials = RegistryCredentials(ownFile: own, registryAuthFile: podman, dockerConfig: docker, helperSearchPath: [])
            #expect(try await credentials.lookup(registry: "one.example")?.username == "own")
            #expect(try await credentials.lookup(registry: "two.example")?.username == "podman")
            #expect(try await credentials.lookup(registry: "three.example")?.username == "docker")
            // Missing files are skipped, not errors.
            let sparse = RegistryCredentials(ownFile: directory.file("none.json"), registryAuthFile: directory.file("none2.json"), dockerConfig: docker, helperSearchPath: [])
            #expect(try await sparse.lookup(registry: "one.example")?.username == "docker")
        }
    }

    @Test("The standard places come from DOCKER_CONFIG or HOME, REGISTRY_AUTH_FILE and PATH")
    func standardPlaces() {
        let environment = ["HOME": "/home/u", "REGISTRY_AUTH_FILE": "/run/containers/auth.json", "PATH": "/a:/b"]
        let standard = RegistryCredentials.standard(ownFile: "/var/lib/aicore/auth.json", environment: environment)
        #expect(standard.ownFile == "/var/lib/aicore/auth.json")
        #expect(standard.registryAuthFile == "/run/containers/auth.json")
        #expect(standard.dockerConfig == "/home/u/.docker/config.json")
        #expect(standard.helperSearchPath == ["/a", "/b"])
        var withDockerConfig = environment
        withDockerConfig["DOCKER_CONFIG"] = "/etc/docker-client"
        #expect(RegistryCredentials.standard(ownFile: nil, environment: withDockerConfig).dockerConfig == "/etc/docker-client/config.json")
    }

    @Test("A credential helper answers for its registry; <token> means an identity token; a miss falls back to auths")
    func helpers() async throws {
        let directory = try TemporaryDirectory("credentials-helpers")
        try await cleaningUp([directory]) {
            let bin = try await DockerConfig.helper("test", in: directory, serverURL: "https://index.docker.io/v1/", username: "<token>", secret: "id-token")
            let config = """
                {"credHelpers": {"docker.io": "test", "helped.example": "test"},
                 "auths": {"helped.example": {"auth": "\(base64("inline:secret"))"}}}
                """
            let path = try await DockerConfig.write(config, as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: path, helperSearchPath: ["/nonexistent", bin])
            #expect(try await credentials.lookup(registry: "docker.io") == .identityToken("id-token", username: nil))
            // The helper does not know this one (exit 1): the inline entry is used.
            #expect(try await credentials.lookup(registry: "helped.example") == .basic(username: "inline", password: "secret"))
            let asked = String(decoding: try await TestFiles.bytes(directory.file("test.stdin")), as: UTF8.self)
            #expect(asked == "https://index.docker.io/v1/\nhelped.example\n")

            let missing = RegistryCredentials(dockerConfig: path, helperSearchPath: [directory.file("empty")])
            let error = await thrownError { _ = try await missing.lookup(registry: "docker.io") }
            #expect(error?.code == .registryAuth)
            #expect(error?.message.hasPrefix("the credential helper docker-credential-test is not installed") == true)
        }
    }

    @Test("A helper that hangs is stopped after its timeout, with an error saying so")
    func helperTimeout() async throws {
        let directory = try TemporaryDirectory("credentials-hang")
        try await cleaningUp([directory]) {
            let bin = directory.file("bin")
            try await offload { try FileIO.makeDirectories(bin) }
            try await TestFiles.write("\(bin)/docker-credential-hang", Array("#!/bin/sh\nexec sleep 60\n".utf8), mode: 0o755)
            let path = try await DockerConfig.write("{\"credsStore\": \"hang\"}", as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: path, helperSearchPath: [bin], helperTimeout: .milliseconds(300))
            let error = await thrownError { _ = try await credentials.lookup(registry: "slow.example") }
            #expect(error?.code == .registryAuth)
            #expect(error?.message.contains("did not answer within") == true)
        }
    }

    @Test("A file that is not JSON is an error naming it")
    func malformed() async throws {
        let directory = try TemporaryDirectory("credentials-bad")
        try await cleaningUp([directory]) {
            let path = try await DockerConfig.write("{\"auths\": ", as: "config.json", in: directory)
            let error = await thrownError { _ = try await RegistryCredentials(dockerConfig: path, helperSearchPath: []).lookup(registry: "x.example") }
            #expect(error?.code == .registryAuth)
            #expect(error?.message == "the credentials file \(path) is not valid JSON in Docker's config.json format; fix it or remove it")
        }
    }

    @Test("store writes aicore-node's file 0600, keeps other entries and keys, replaces aliases; remove forgets")
    func storeAndRemove() async throws {
        let directory = try TemporaryDirectory("credentials-store")
        try await cleaningUp([directory]) {
            let own = directory.file("state/auth.json")
            try await offload { try FileIO.makeDirectories(directory.file("state")) }
            let existing = """
                {"auths": {"keep.example": {"auth": "\(base64("k:1"))"}, "index.docker.io": {"auth": "\(base64("old:0"))"}},
                 "credHelpers": {"helped.example": "x"}}
                """
            try await TestFiles.write(own, Array(existing.utf8), mode: 0o644)
            let credentials = RegistryCredentials(ownFile: own, helperSearchPath: [])

            try await credentials.store(registry: "docker.io", username: "new", password: "p@ss:word")
            try await credentials.store(registry: "reg.example:5000", username: "r", password: "2")

            var info = stat()
            #expect(stat(own, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            let root = try #require(try JSONSerialization.jsonObject(with: Data(try await TestFiles.bytes(own))) as? [String: Any])
            let auths = try #require(root["auths"] as? [String: Any])
            #expect(Set(auths.keys) == ["keep.example", "https://index.docker.io/v1/", "reg.example:5000"])
            #expect(root["credHelpers"] as? [String: String] == ["helped.example": "x"])
            #expect(try await credentials.lookup(registry: "docker.io") == .basic(username: "new", password: "p@ss:word"))
            #expect(try await credentials.lookup(registry: "reg.example:5000") == .basic(username: "r", password: "2"))
            // Only the final file is there: no temporary file left beside it.
            #expect(try FileIO.entries(of: directory.file("state")) == ["auth.json"])

            #expect(try await credentials.remove(registry: "index.docker.io"))
            #expect(try await credentials.lookup(registry: "docker.io") == nil)
            #expect(try await credentials.remove(registry: "docker.io") == false)
            #expect(try await credentials.lookup(registry: "keep.example") == .basic(username: "k", password: "1"))
        }
    }

    @Test("Logins and logouts at the same time each keep their change")
    func concurrentStoresAndRemovesLoseNothing() async throws {
        let directory = try TemporaryDirectory("credentials-concurrent")
        try await cleaningUp([directory]) {
            let own = directory.file("auth.json")
            let credentials = RegistryCredentials(ownFile: own, helperSearchPath: [])
            try await credentials.store(registry: "gone.example", username: "g", password: "0")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask { try await credentials.store(registry: "r\(index).example", username: "u\(index)", password: "p") }
                }
                group.addTask { _ = try await credentials.remove(registry: "gone.example") }
                try await group.waitForAll()
            }
            for index in 0..<16 {
                #expect(try await credentials.lookup(registry: "r\(index).example") == .basic(username: "u\(index)", password: "p"))
            }
            #expect(try await credentials.lookup(registry: "gone.example") == nil)
        }
    }

    @Test("store makes the file's directory 0700 when it is missing")
    func storeMakesDirectory() async throws {
        let directory = try TemporaryDirectory("credentials-newdir")
        try await cleaningUp([directory]) {
            let own = directory.file("new/dir/auth.json")
            try await RegistryCredentials(ownFile: own, helperSearchPath: []).store(registry: "x.example", username: "u", password: "p")
            var info = stat()
            #expect(stat(directory.file("new/dir"), &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700)
            #expect(stat(own, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
        }
    }

    @Test(
        "A login's server is read as Docker reads it: scheme, path and trailing slash dropped, Hub's aliases folded",
        arguments: [
            (nil, "docker.io"), ("", "docker.io"), ("https://index.docker.io/v1/", "docker.io"), ("registry-1.docker.io", "docker.io"),
            ("http://127.0.0.1:5000", "127.0.0.1:5000"), ("127.0.0.1:5000/", "127.0.0.1:5000"), ("Registry.Example.COM", "registry.example.com"),
        ] as [(String?, String)]
    )
    func registryName(text: String?, expected: String) throws {
        #expect(try RegistryCredentials.registryName(text) == expected)
    }

    @Test("A login's server that is not a host[:port] is a bad request", arguments: ["not a host", "host:port", "https://"])
    func badRegistryName(text: String) {
        #expect(throws: AICoreError.self) { try RegistryCredentials.registryName(text) }
        #expect((try? RegistryCredentials.registryName(text)) == nil)
    }
}
