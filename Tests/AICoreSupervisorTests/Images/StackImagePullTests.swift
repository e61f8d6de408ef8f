import AICoreErrors
import AICoreImages
import AICoreSpec
import Foundation
import Testing
@testable import AICoreSupervisor

@Suite("Which images `up` pulls, and when, by pull_policy or --pull")
struct StackImagePullTests {
    static func stack(_ services: String) throws -> Stack {
        try ImageDefaultsTests.load("services:\n" + services)
    }

    @Test("Services that share an image pull it once, as often as the most eager of them asks")
    func sharedImagesTakeTheStrongerPolicy() throws {
        let stack = try Self.stack("""
              a: {image: redis:7, pull_policy: never}
              b: {image: docker.io/library/redis:7, pull_policy: daily}
              c: {image: nginx, pull_policy: weekly}
              d: {image: nginx:latest, pull_policy: every_2h}
              e: {command: [/bin/true]}
            """)
        let pulls = try StackImagePull.plan(for: stack)
        #expect(pulls.map(\.reference.description) == ["docker.io/library/nginx:latest", "docker.io/library/redis:7"])
        #expect(pulls.map(\.services) == [["c", "d"], ["a", "b"]])
        #expect(pulls.map(\.policy) == [.every(.seconds(7_200)), .every(.seconds(86_400))])
    }

    @Test("--pull overrides every service's policy")
    func overrideWins() throws {
        let stack = try Self.stack("  a: {image: redis:7, pull_policy: always}\n  b: {image: nginx}\n")
        #expect(try StackImagePull.plan(for: stack, override: .never).map(\.policy) == [.never, .never])
    }

    @Test("A pull is due by policy and by the age of the node's copy")
    func due() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let hourAgo = now.addingTimeInterval(-3_600)
        func entry(_ policy: PullPolicy) throws -> StackImagePull {
            StackImagePull(reference: try ImageReference(parsing: "redis:7"), policy: policy, platform: nil, services: ["cache"])
        }
        #expect(try entry(.missing).isDue(pulled: nil, now: now))
        #expect(try !entry(.missing).isDue(pulled: hourAgo, now: now))
        #expect(try entry(.always).isDue(pulled: hourAgo, now: now))
        #expect(try entry(.every(.seconds(1_800))).isDue(pulled: hourAgo, now: now))
        #expect(try !entry(.every(.seconds(7_200))).isDue(pulled: hourAgo, now: now))
        #expect(try !entry(.never).isDue(pulled: hourAgo, now: now))
        let missing = #expect(throws: AICoreError.self) { try entry(.never).isDue(pulled: nil, now: now) }
        #expect(missing?.message.contains("service cache: the image redis:7 is not on this node and its pull_policy is never") == true,
                "\(String(describing: missing?.message))")
    }

    @Test("A service's bad image reference is reported with the service named")
    func badReference() throws {
        let stack = try Self.stack("  web: {image: \"redis@sha256:abc\"}\n")
        let error = #expect(throws: AICoreError.self) { try StackImagePull.plan(for: stack) }
        #expect(error?.message.hasPrefix("service web:") == true, "\(String(describing: error?.message))")
    }
}

extension StackImagePullTests {
    @Test("A service with `build` is never pulled: its image is built on the node")
    func builtImagesAreNotPulled() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aicore-pull-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "FROM busybox\n".write(toFile: directory + "/Dockerfile", atomically: true, encoding: .utf8)
        let file = directory + "/compose.yml"
        try """
            name: shop
            services:
              web: {build: ., image: registry.local/web:1, pull_policy: always}
              cache: {image: redis:7}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let stack = try StackLoader.load(StackLoadOptions(files: [file], environment: [:])).stack
        #expect(try StackImagePull.plan(for: stack).map(\.services) == [["cache"]])
        #expect(try StackImagePull.plan(for: stack, override: .always).map(\.services) == [["cache"]])
    }
}
