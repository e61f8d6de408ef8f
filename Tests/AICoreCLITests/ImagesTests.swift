import AICoreServer
import Foundation
import Testing
@testable import AICoreCLI

/// `images` reads its line as `docker compose images` does, and lists what a real agent runs.
@Suite(.serialized)
struct ImagesTests {
    @Test func imagesTakesServicesFormatQuietAndTheStackOptions() throws {
        let images = try Images.parse(["-p", "shop", "--format", "json", "-q", "web", "worker"])
        #expect(images.services.services == ["web", "worker"])
        #expect(images.services.selection.stackFiles.projectName == "shop")
        #expect(images.format == .json && images.quiet)
        let plain = try Images.parse([])
        #expect(plain.format == .table && !plain.quiet && plain.services.services.isEmpty)
    }

    @Test(.enabled(if: getuid() == 0, "needs root: overlayfs, namespaces, cgroups"))
    func imagesListsEachInstancesImageAndLeavesOutServicesRunFromTheHost() async throws {
        try await AgentHarness.with { harness in
            try await BusyboxImage.load("localhost/box:1", into: harness)
            let project = try ComposeProjectCLITests.project("imgs", in: harness, compose: """
                name: imgs
                services:
                  web:
                    image: localhost/box:1
                    pull_policy: never
                    deploy:
                      replicas: 2
                  host:
                    command: ["/bin/sleep", "600"]
                """)
            let up = try await harness.cli(["up", "-d", "--wait"], in: project)
            try #require(up.status == 0, "up: \(up.stderr)\n\(harness.agentLog.suffix(3000))")
            let stored = try await harness.cli(["image", "ls", "--format", "json"])
            let image = try #require(try ControlAPI.decoder.decode([ImageStatus].self, from: Data(stored.stdout.utf8)).first)
            let shortID = String(image.id.dropFirst("sha256:".count).prefix(12))
            let size = VolumeCommand.Prune.humanSize(UInt64(image.size))

            // From the project directory: one row per instance of an image; `host` has none.
            let table = try await harness.cli(["images"], in: project)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout == Table.render(header: ["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"], rows: [
                ["imgs-web-1", "localhost/box", "1", shortID, size],
                ["imgs-web-2", "localhost/box", "1", shortID, size],
            ]) + "\n", "\(table.stdout)")

            // -q: each image once.
            let quiet = try await harness.cli(["images", "-q"], in: project)
            #expect(quiet.status == 0 && quiet.stdout == shortID + "\n", "\(quiet)")

            // --format json with -p from elsewhere, for one service.
            let json = try await harness.cli(["images", "-p", "imgs", "--format", "json", "web"])
            #expect(json.status == 0, "\(json.stderr)")
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let rows = try decoder.decode([Images.Row].self, from: Data(json.stdout.utf8))
            #expect(rows.map(\.container) == ["imgs-web-1", "imgs-web-2"])
            #expect(rows.allSatisfy { $0.id == image.id && $0.repository == "localhost/box" && $0.tag == "1" && $0.size == image.size })

            // -f names the stack too; a service run from the host lists nothing.
            let hostOnly = try await harness.cli(["images", "-f", project + "/compose.yml", "host"])
            #expect(hostOnly.status == 0 && hostOnly.stdout == "CONTAINER  REPOSITORY  TAG  IMAGE ID  SIZE\n", "\(hostOnly)")

            // An unknown service is refused in one line.
            let unknown = try await harness.cli(["images", "nope"], in: project)
            #expect(unknown.status == 2)
            #expect(unknown.stderr == "aicore-node: stack imgs has no service nope; it has host, web\n", "\(unknown.stderr)")
        }
    }
}
