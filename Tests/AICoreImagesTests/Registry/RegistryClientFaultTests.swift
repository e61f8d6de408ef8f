import AICoreErrors
import AICoreTestSupport
import Foundation
import NIOHTTP1
import Synchronization
import Testing
@testable import AICoreImages

/// What the client does when a registry, a mirror or the storage behind a redirect
/// misbehaves, against `TestHTTPServer`s that misbehave on purpose.
@Suite("The registry client against misbehaving servers")
struct RegistryClientFaultTests {
    /// Counts calls from a server's handler.
    final class Counter: Sendable {
        private let value = Mutex(0)
        /// 1 on the first call, 2 on the second…
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    private func imageReference(_ server: TestHTTPServer, _ name: String = "test/app:v1") throws -> ImageReference {
        try ImageReference(parsing: "\(server.authority)/\(name)")
    }

    @Test("A blob whose bytes do not match its digest is refused, and nothing is left behind")
    func blobDigestMismatch() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.path.hasSuffix("/blobs/\(image.layerDescriptor.digest)") else { return image.answer(request) }
            var wrong = image.layer
            wrong[wrong.count / 2] ^= 0xff
            return FakeImage.blob(wrong, request: request)
        }
        let directory = try TemporaryDirectory("mismatch")
        try await cleaningUp([directory], servers: [server]) {
            let partial = directory.file("partial")
            let error = await thrownError {
                try await TestClient.with { try await $0.fetchBlob(try imageReference(server), image.layerDescriptor, to: partial) }
            }
            #expect(error?.code == .digestMismatch)
            #expect(error?.message.contains("\(image.layerDescriptor.digest)") == true)
            #expect(error?.message.contains("discarded") == true)
            #expect(!TestFiles.exists(partial))
            // A mismatch is not retried: the same bytes would come again.
            #expect(server.requests.filter { $0.path.contains("/blobs/") }.count == 1)
        }
    }

    @Test("A blob longer than its descriptor says is cut off and refused, nothing left behind")
    func blobTooLong() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.path.contains("/blobs/") else { return image.answer(request) }
            return TestHTTPServer.Response(.ok, body: image.layer + Array(repeating: 0, count: 10_000))
        }
        let directory = try TemporaryDirectory("too-long")
        try await cleaningUp([directory], servers: [server]) {
            let partial = directory.file("partial")
            let error = await thrownError {
                try await TestClient.with { try await $0.fetchBlob(try imageReference(server), image.layerDescriptor, to: partial) }
            }
            #expect(error?.code == .digestMismatch)
            #expect(error?.message.contains("more than the \(image.layer.count) bytes") == true)
            #expect(!TestFiles.exists(partial))
        }
    }

    @Test("A manifest whose bytes do not match its digest is refused: nothing is returned")
    func manifestDigestMismatch() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.method == .GET, request.path.contains("/manifests/") else { return image.answer(request) }
            var tampered = image.manifest
            tampered[10] = UInt8(ascii: "9")
            return TestHTTPServer.Response(.ok, headers: [("Content-Type", MediaType.ociManifest)], body: tampered)
        }
        try await cleaningUp(servers: [server]) {
            let error = await thrownError {
                _ = try await TestClient.with { try await $0.manifest(try imageReference(server), image.manifestDescriptor) }
            }
            #expect(error?.code == .digestMismatch)
            #expect(error?.message.contains("not the \(image.manifest.count) bytes of \(image.manifestDescriptor.digest)") == true)
        }
    }

    @Test("A manifest over 4 MiB is refused while reading, whether its length is announced or not")
    func manifestTooLarge() async throws {
        let big = Array(repeating: UInt8(ascii: " "), count: (4 << 20) + 1)
        let server = try await TestHTTPServer.start { request in
            TestHTTPServer.Response(.ok, headers: [("Content-Type", MediaType.ociManifest)], body: big, chunked: request.uri.contains("chunked"))
        }
        try await cleaningUp(servers: [server]) {
            // The descriptor claims a small size: only counting the bytes catches the lie.
            let claimed = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: big), size: 1000)
            for name in ["test/chunked:v1", "test/announced:v1"] {
                let error = await thrownError {
                    _ = try await TestClient.with { try await $0.manifest(try imageReference(server, name), claimed) }
                }
                #expect(error?.code == .invalidImage, "\(name)")
                #expect(error?.message.contains("more than the limit of 4194304") == true, "\(name)")
            }
            // A descriptor that admits to more is refused before any request.
            let before = server.requests.count
            let honest = Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: big), size: Int64(big.count))
            let error = await thrownError { _ = try await TestClient.with { try await $0.manifest(try imageReference(server), honest) } }
            #expect(error?.code == .invalidImage)
            #expect(server.requests.count == before)
        }
    }

    @Test("A blob redirected to another host: the storage never sees the registry's credentials")
    func redirectDropsAuthorization() async throws {
        let image = FakeImage()
        let expected = "Basic " + Data("alice:wonderland".utf8).base64EncodedString()
        let storage = try await TestHTTPServer.start(host: "127.0.0.2") { request in
            FakeImage.blob(image.layer, request: request)
        }
        let registry = try await TestHTTPServer.start { request in
            guard request.header("Authorization") == expected else {
                return TestHTTPServer.Response(.unauthorized, headers: [("WWW-Authenticate", #"Basic realm="fake""#)])
            }
            if request.path.hasSuffix("/blobs/\(image.layerDescriptor.digest)") {
                return TestHTTPServer.Response(.temporaryRedirect, headers: [("Location", "http://\(storage.authority)/storage/layer?sig=1")])
            }
            if request.path.hasSuffix("/blobs/\(image.configDescriptor.digest)") {
                // A redirect within the registry keeps the credentials: same scheme, host, port.
                return TestHTTPServer.Response(.found, headers: [("Location", "/v2/moved/config")])
            }
            if request.path == "/v2/moved/config" { return FakeImage.blob(image.config, request: request) }
            return image.answer(request)
        }
        let directory = try TemporaryDirectory("redirect")
        try await cleaningUp([directory], servers: [registry, storage]) {
            let config = try await DockerConfig.write(DockerConfig.auths([registry.authority: ("alice", "wonderland")]), as: "config.json", in: directory)
            try await TestClient.with(credentials: RegistryCredentials(dockerConfig: config)) { client in
                try await client.fetchBlob(try imageReference(registry), image.layerDescriptor, to: directory.file("layer"))
                try await client.fetchBlob(try imageReference(registry), image.configDescriptor, to: directory.file("config"))
            }
            #expect(try await TestFiles.digest(directory.file("layer")) == image.layerDescriptor.digest)
            #expect(try await TestFiles.digest(directory.file("config")) == image.configDescriptor.digest)
            #expect(storage.requests.count == 1)
            #expect(storage.requests.allSatisfy { $0.header("Authorization") == nil })
            #expect(storage.requests.first?.uri == "/storage/layer?sig=1")
            #expect(registry.requests.last?.path == "/v2/moved/config")
            #expect(registry.requests.last?.header("Authorization") == expected)
        }
    }

    @Test("HTTP 429 is .rateLimited at once, with Retry-After in the message and the context")
    func rateLimited() async throws {
        let server = try await TestHTTPServer.start { _ in
            TestHTTPServer.Response(.tooManyRequests, headers: [("Retry-After", "7")], body: Array(#"{"errors":[{"code":"TOOMANYREQUESTS"}]}"#.utf8))
        }
        try await cleaningUp(servers: [server]) {
            let reference = try imageReference(server)
            let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
            #expect(error?.code == .rateLimited)
            #expect(error?.context["retryAfter"] == "7")
            #expect(error?.message == "resolving \(reference): \(server.authority) is rate-limiting pulls (HTTP 429); retry after 7 s, or log in to raise the limit (aicore-node login \(server.authority))")
            #expect(server.requests.count == 1)
        }
    }

    @Test("5xx answers are retried with backoff, and the last one is reported when they persist")
    func retriesServerErrors() async throws {
        let image = FakeImage()
        let counter = Counter()
        let server = try await TestHTTPServer.start { request in
            if request.path.contains("/manifests/"), counter.next() <= 2 {
                return TestHTTPServer.Response(.serviceUnavailable)
            }
            return image.answer(request)
        }
        let failing = try await TestHTTPServer.start { _ in
            TestHTTPServer.Response(.badGateway, body: Array(#"{"errors":[{"code":"UNAVAILABLE","message":"backend down"}]}"#.utf8))
        }
        try await cleaningUp(servers: [server, failing]) {
            let descriptor = try await TestClient.with { try await $0.resolve(try imageReference(server)) }
            #expect(descriptor == image.manifestDescriptor)
            #expect(server.requests.filter { $0.path.contains("/manifests/") }.count == 3)

            let reference = try imageReference(failing)
            let error = await thrownError { _ = try await TestClient.with { try await $0.manifest(reference, image.manifestDescriptor) } }
            #expect(error?.code == .registry)
            #expect(error?.context["status"] == "502")
            #expect(error?.message == "fetching manifest \(image.manifestDescriptor.digest) of \(reference.name): \(failing.authority) answered HTTP 502: UNAVAILABLE backend down; the registry failed; try again later")
            #expect(failing.requests.count == TestClient.fast.maxAttempts)
        }
    }

    @Test("A registry that ignores Range sends the whole blob again: the partial file starts over")
    func rangeIgnored() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.path.contains("/blobs/") else { return image.answer(request) }
            return TestHTTPServer.Response(.ok, body: image.layer)
        }
        let directory = try TemporaryDirectory("no-range")
        try await cleaningUp([directory], servers: [server]) {
            let partial = directory.file("partial")
            // A leftover that does not even match the blob: starting over must not keep it.
            try await TestFiles.write(partial, Array(repeating: 0x55, count: 20_000))
            try await TestClient.with { try await $0.fetchBlob(try imageReference(server), image.layerDescriptor, to: partial) }
            #expect(try await TestFiles.digest(partial) == image.layerDescriptor.digest)
            #expect(server.requests.last?.header("Range") == "bytes=20000-")
        }
    }

    @Test("A 416 answer to a resume starts the download over from the first byte")
    func rangeNotSatisfiable() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.path.contains("/blobs/") else { return image.answer(request) }
            if request.header("Range") != nil {
                return TestHTTPServer.Response(.rangeNotSatisfiable, headers: [("Content-Range", "bytes */\(image.layer.count)")])
            }
            return FakeImage.blob(image.layer, request: request)
        }
        let directory = try TemporaryDirectory("range-416")
        try await cleaningUp([directory], servers: [server]) {
            let partial = directory.file("partial")
            try await TestFiles.write(partial, Array(image.layer.prefix(1000)))
            try await TestClient.with { try await $0.fetchBlob(try imageReference(server), image.layerDescriptor, to: partial) }
            #expect(try await TestFiles.digest(partial) == image.layerDescriptor.digest)
            #expect(server.requests.map { $0.header("Range") } == ["bytes=1000-", nil])
        }
    }

    @Test("A foreign layer comes from its URLs with no credentials, the registry only as a fallback")
    func foreignLayer() async throws {
        let image = FakeImage(layerType: MediaType.ociForeignLayerGzip, urls: [])
        let foreign = try await TestHTTPServer.start(host: "127.0.0.2") { request in
            switch request.path {
            case "/wrong.tar.gz": FakeImage.blob(Array(repeating: 0, count: image.layer.count), request: request)
            case "/right.tar.gz": FakeImage.blob(foreignLayerBytes, request: request)
            default: FakeImage.notFound
            }
        }
        let registry = try await TestHTTPServer.start { request in
            guard request.header("Authorization") != nil else {
                return TestHTTPServer.Response(.unauthorized, headers: [("WWW-Authenticate", #"Basic realm="fake""#)])
            }
            return image.answer(request)
        }
        let directory = try TemporaryDirectory("foreign")
        try await cleaningUp([directory], servers: [registry, foreign]) {
            let config = try await DockerConfig.write(DockerConfig.auths([registry.authority: ("alice", "wonderland")]), as: "config.json", in: directory)
            let credentials = RegistryCredentials(dockerConfig: config)
            // The first URL serves other bytes (refused), the second nothing (404): the
            // registry's copy is fetched instead.
            var layer = image.layerDescriptor
            layer.urls = ["http://\(foreign.authority)/wrong.tar.gz", "http://\(foreign.authority)/missing.tar.gz"]
            try await TestClient.with(credentials: credentials) { try await $0.fetchBlob(try imageReference(registry), layer, to: directory.file("layer")) }
            #expect(try await TestFiles.digest(directory.file("layer")) == layer.digest)
            #expect(foreign.requests.map(\.path) == ["/wrong.tar.gz", "/missing.tar.gz"])
            #expect(registry.requests.contains { $0.path.hasSuffix("/blobs/\(layer.digest)") })

            // With the right bytes at the URL, the registry is never asked for the blob.
            let matching = FakeImage.foreignDescriptor(urls: ["http://\(foreign.authority)/right.tar.gz"])
            let before = registry.requests.count
            try await TestClient.with(credentials: credentials) { try await $0.fetchBlob(try imageReference(registry), matching, to: directory.file("matching")) }
            #expect(try await TestFiles.digest(directory.file("matching")) == matching.digest)
            #expect(registry.requests.count == before)
            // Never, on any of them, the registry's credentials (CVE-2020-15157).
            #expect(foreign.requests.count == 3)
            #expect(foreign.requests.allSatisfy { $0.header("Authorization") == nil })
        }
    }

    @Test("A HEAD answer without Docker-Content-Digest falls back to a GET whose body is hashed")
    func headWithoutDigest() async throws {
        let image = FakeImage()
        let server = try await TestHTTPServer.start { request in
            guard request.method == .HEAD else { return image.answer(request) }
            return TestHTTPServer.Response(.ok, headers: [("Content-Type", "application/octet-stream"), ("Content-Length", "\(image.manifest.count)")])
        }
        try await cleaningUp(servers: [server]) {
            let descriptor = try await TestClient.with { try await $0.resolve(try imageReference(server)) }
            #expect(descriptor == image.manifestDescriptor)
            #expect(server.requests.filter { $0.path.contains("/manifests/") }.map(\.method) == [.HEAD, .GET])
        }
    }

    @Test("A schema1 manifest is refused with what to do about it")
    func schema1() async throws {
        let server = try await TestHTTPServer.start { _ in
            TestHTTPServer.Response(.ok, headers: [
                ("Content-Type", MediaType.dockerSchema1Signed),
                ("Docker-Content-Digest", Digest.sha256(of: [1]).description), ("Content-Length", "1"),
            ])
        }
        try await cleaningUp(servers: [server]) {
            let reference = try imageReference(server)
            let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
            #expect(error?.code == .invalidImage)
            #expect(error?.message == "image \(reference) is in Docker's schema1 format, which is not supported; re-push it with a current Docker or skopeo (schema2 or OCI)")
        }
    }

    @Test(
        "Encrypted and unknown media types are refused before anything is fetched",
        arguments: ["application/vnd.oci.image.layer.v1.tar+gzip+encrypted", "application/vnd.example.thing"]
    )
    func unsupportedTypes(type: String) async throws {
        let server = try await TestHTTPServer.start { _ in FakeImage.notFound }
        try await cleaningUp(servers: [server]) {
            let descriptor = Descriptor(mediaType: type, digest: Digest.sha256(of: [1]), size: 1)
            let blobError = await thrownError {
                try await TestClient.with { try await $0.fetchBlob(try imageReference(server), descriptor, to: "/nonexistent/partial") }
            }
            #expect(blobError?.code == .unsupportedMediaType)
            let manifestError = await thrownError { _ = try await TestClient.with { try await $0.manifest(try imageReference(server), descriptor) } }
            #expect(manifestError?.code == .unsupportedMediaType)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("A bearer token rejected later is renewed once; a second rejection is final")
    func reauthenticatesOnce() async throws {
        let image = FakeImage()
        let issued = Counter()
        let used = Mutex<Set<String>>([])
        let registry = try await TestHTTPServer.start { request in
            if request.path == "/token" {
                return TestHTTPServer.Response(.ok, body: Array(#"{"token":"t\#(issued.next())","expires_in":300}"#.utf8))
            }
            // Every token is good for one request: the next one must bring a new token.
            let token = request.header("Authorization").map { String($0.dropFirst("Bearer ".count)) }
            let fresh = token.map { token in used.withLock { $0.insert(token).inserted } } ?? false
            guard fresh else {
                return TestHTTPServer.Response(.unauthorized, headers: [("WWW-Authenticate", #"Bearer realm="http://\#(request.header("Host") ?? "")/token",service="fake""#)])
            }
            return image.answer(request)
        }
        try await cleaningUp(servers: [registry]) {
            let reference = try imageReference(registry)
            try await TestClient.with { client in
                let descriptor = try await client.resolve(reference)
                // The cached token was spent: one 401, one new token, and the GET goes through.
                _ = try await client.manifest(reference, descriptor)
            }
            #expect(registry.requests.filter { $0.path == "/token" }.count == 2)
        }
        // A registry that never accepts the token: one renewal, then .registryAuth, no loop.
        let refusing = try await TestHTTPServer.start { request in
            if request.path == "/token" { return TestHTTPServer.Response(.ok, body: Array(#"{"access_token":"x"}"#.utf8)) }
            return TestHTTPServer.Response(.unauthorized, headers: [("WWW-Authenticate", #"Bearer realm="http://\#(request.header("Host") ?? "")/token""#)])
        }
        try await cleaningUp(servers: [refusing]) {
            let reference = try imageReference(refusing)
            let error = await thrownError { _ = try await TestClient.with { try await $0.resolve(reference) } }
            #expect(error?.code == .registryAuth)
            #expect(refusing.requests.filter { $0.path == "/token" }.count == 1)
            #expect(refusing.requests.filter { $0.path.contains("/manifests/") }.count == 2)
        }
    }

    @Test("Docker Hub's mirrors are tried in order, then Docker Hub; mirrors get their own credentials")
    func mirrors() async throws {
        let image = FakeImage()
        let empty = try await TestHTTPServer.start { _ in FakeImage.notFound }
        let mirror = try await TestHTTPServer.start { request in image.answer(request) }
        let hub = try await TestHTTPServer.start { request in image.answer(request) }
        try await cleaningUp(servers: [empty, mirror, hub]) {
            var configuration = RegistryConfiguration(mirrors: ["http://\(empty.authority)", "http://\(mirror.authority)"])
            // Docker Hub is a local server here: nothing in a test may reach the Internet.
            configuration.dockerHub = RegistryEndpoint(scheme: .http, host: hub.authority, credentialRegistry: ImageReference.dockerHub)
            let reference = try ImageReference(parsing: "app:v1")
            let descriptor = try await TestClient.with(configuration: configuration) { try await $0.resolve(reference) }
            #expect(descriptor == image.manifestDescriptor)
            #expect(empty.requests.map(\.path) == ["/v2/library/app/manifests/v1"])
            #expect(mirror.requests.map(\.path) == ["/v2/library/app/manifests/v1"])
            #expect(hub.requests.isEmpty)

            configuration.mirrors = ["http://\(empty.authority)"]
            let fromHub = try await TestClient.with(configuration: configuration) { try await $0.resolve(reference) }
            #expect(fromHub == image.manifestDescriptor)
            #expect(hub.requests.map(\.path) == ["/v2/library/app/manifests/v1"])
        }
    }
}

/// The bytes the foreign layer server has, and a descriptor for exactly them.
private let foreignLayerBytes: [UInt8] = Array("a foreign layer's bytes, from its own URL".utf8)

extension FakeImage {
    static func foreignDescriptor(urls: [String]) -> Descriptor {
        Descriptor(mediaType: MediaType.ociForeignLayerGzip, digest: Digest.sha256(of: foreignLayerBytes), size: Int64(foreignLayerBytes.count), urls: urls)
    }
}
