import AICoreErrors
import Testing
@testable import AICoreImages

@Suite("Platforms are normalised and chosen as containerd chooses them")
struct PlatformTests {
    @Test(
        "Aliases normalise",
        arguments: [
            ("linux/x86_64", "linux/amd64"),
            ("linux/aarch64", "linux/arm64/v8"),
            ("linux/arm64", "linux/arm64/v8"),
            ("linux/arm64/8", "linux/arm64/v8"),
            ("linux/armhf", "linux/arm/v7"),
            ("linux/armel", "linux/arm/v6"),
            ("linux/arm", "linux/arm/v7"),
            ("linux/arm/6", "linux/arm/v6"),
            ("Linux/AMD64", "linux/amd64"),
        ]
    )
    func normalises(text: String, expected: String) throws {
        #expect(try Platform(parsing: text).description == expected)
    }

    private func entry(_ platform: String, _ byte: UInt8) throws -> Descriptor {
        let parts = platform.split(separator: "/").map(String.init)
        return Descriptor(
            mediaType: MediaType.ociManifest,
            digest: Digest.sha256(of: [byte]),
            size: 1,
            platform: Platform(os: parts[0], architecture: parts[1], variant: parts.count > 2 ? parts[2] : nil)
        )
    }

    @Test("The exact platform wins; arm v7 falls back to v6, then v5; attestations are never chosen")
    func selection() throws {
        let index = [
            try entry("unknown/unknown", 0),
            try entry("linux/arm/v5", 1),
            try entry("linux/arm/v6", 2),
            try entry("linux/amd64", 3),
            try entry("linux/arm64/v8", 4),
        ]
        #expect(Platform(os: "linux", architecture: "amd64").best(in: index)?.digest == index[3].digest)
        #expect(try Platform(parsing: "linux/arm/v7").best(in: index)?.digest == index[2].digest)
        #expect(try Platform(parsing: "linux/arm/v7").best(in: Array(index.prefix(2)))?.digest == index[1].digest)
        #expect(try Platform(parsing: "linux/aarch64").best(in: index)?.digest == index[4].digest)
        #expect(try Platform(parsing: "linux/arm/v5").best(in: index.filter { $0.platform?.variant != "v5" }) == nil)
        #expect(try Platform(parsing: "linux/s390x").best(in: index) == nil)
    }

    @Test("A malformed --platform is refused")
    func malformed() {
        #expect(throws: AICoreError.self) { _ = try Platform(parsing: "amd64") }
        #expect(throws: AICoreError.self) { _ = try Platform(parsing: "linux//v7") }
    }
}
