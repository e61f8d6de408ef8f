@testable import AICoreCLI
import AICoreServer
import AICoreTestSupport
import Foundation
import Testing

/// `aicore-node volume …` and `down -v` against a scripted agent: the lines, JSON and exit
/// codes a user gets, fast. `AgentCLITests` has the one run against a real agent.
@Suite struct VolumeCLITests {
    static let data = VolumeStatus(name: "shop_data", stack: "shop", key: "data", path: "/var/lib/aicore/volumes/shop_data",
                                   uid: 999, gid: 999, labels: ["tier": "db"], createdAt: "2026-12-05T08:00:00Z", inUseBy: "shop")
    static let orphan = VolumeStatus(name: "orphan", stack: nil, key: nil, path: "/var/lib/aicore/volumes/orphan", uid: 0, gid: 0,
                                     createdAt: nil, inUseBy: nil)

    static func problem(_ status: Int, _ detail: String) -> String {
        let title = status == 404 ? "Not Found" : "Conflict"
        let type = status == 404 ? "not-found" : "conflict"
        return #"{"type":"https://aicore.dev/problems/\#(type)","title":"\#(title)","status":\#(status),"detail":"\#(detail)"}"#
    }

    /// Answers as the agent does for the volume routes.
    static let agent: AgentClientTestServer.Handler = { request, responder in
        func json(_ value: some Encodable) async throws {
            try await responder.respond(.ok, contentType: "application/json",
                                        body: String(decoding: try ControlAPI.encoder.encode(value), as: UTF8.self))
        }
        switch (request.method, request.uri) {
        case ("GET", "/v1/volumes"): try await json([orphan, data])
        case ("GET", "/v1/volumes?stack=shop"): try await json([data])
        case ("GET", "/v1/volumes/shop_data"): try await json(data)
        case ("DELETE", "/v1/volumes/orphan"): try await json(VolumeRemoval(removed: ["orphan"], bytesFreed: 4096))
        case ("DELETE", "/v1/volumes/shop_data"):
            try await responder.respond(.conflict, contentType: "application/problem+json", body: problem(
                409, "volume shop_data is in use by stack shop (service db); remove it after `aicore-node down -p shop`"))
        case ("POST", "/v1/volumes/prune"): try await json(VolumeRemoval(removed: ["gone_data", "orphan"], bytesFreed: 65_536))
        case ("DELETE", "/v1/stacks/gone?volumes=true"):
            try await responder.respond(.ok, contentType: "application/json", body: """
                {"stack":"gone","steps":["remove volume data at /v/gone_data"],"starts":[],"stops":[],"volumes_removed":["gone_data"],"pending":{},"no_op":false}
                """)
        default:
            let name = request.uri.split(separator: "/").last.map(String.init) ?? ""
            try await responder.respond(.notFound, contentType: "application/problem+json", body: problem(
                404, "no volume \(name) on this node; `aicore-node volume ls` lists the volumes"))
        }
    }

    static func cli(_ server: AgentClientTestServer, _ arguments: [String]) async throws -> CommandRunner.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["AICORE_HOST"] = server.socketPath
        let final = environment
        return try await offload { try CommandRunner.run(arguments, environment: final) }
    }

    @Test func lsShowsATableNamesOrJSONOfOneStackOrAll() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            let table = try await Self.cli(server, ["volume", "ls"])
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout == """
                NAME       STACK  USED BY  CREATED
                orphan     -      -        -
                shop_data  shop   shop     2026-12-05T08:00:00Z

                """, "\(table.stdout)")
            let quiet = try await Self.cli(server, ["volume", "ls", "-q", "-p", "shop"])
            #expect(quiet.stdout == "shop_data\n")
            let json = try await Self.cli(server, ["volume", "ls", "--format", "json"])
            #expect(try ControlAPI.decoder.decode([VolumeStatus].self, from: Data(json.stdout.utf8)) == [Self.orphan, Self.data])
            #expect(json.stdout.contains(#""in_use_by" : "shop""#), "\(json.stdout)")
        }
    }

    @Test func inspectPrintsAJSONArrayAndAnUnknownNameExitsTwo() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            let one = try await Self.cli(server, ["volume", "inspect", "shop_data"])
            #expect(one.status == 0, "\(one.stderr)")
            #expect(try ControlAPI.decoder.decode([VolumeStatus].self, from: Data(one.stdout.utf8)) == [Self.data])
            let mixed = try await Self.cli(server, ["volume", "inspect", "shop_data", "nope"])
            #expect(mixed.status == 2)
            #expect(try ControlAPI.decoder.decode([VolumeStatus].self, from: Data(mixed.stdout.utf8)) == [Self.data])
            #expect(mixed.stderr == "aicore-node: no volume nope on this node; `aicore-node volume ls` lists the volumes\n")
        }
    }

    @Test func rmRemovesWhatItCanAndExitsOneWhenAVolumeIsInUseTwoWhenUnknown() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            let removed = try await Self.cli(server, ["volume", "rm", "orphan"])
            #expect(removed.status == 0 && removed.stdout == "orphan\n" && removed.stderr.isEmpty, "\(removed)")

            let unknown = try await Self.cli(server, ["volume", "rm", "nope"])
            #expect(unknown.status == 2)
            #expect(unknown.stderr == "aicore-node: no volume nope on this node; `aicore-node volume ls` lists the volumes\n")

            let mixed = try await Self.cli(server, ["volume", "rm", "shop_data", "orphan", "nope"])
            #expect(mixed.status == 1, "in use is a failed operation, whatever else failed")
            #expect(mixed.stdout == "orphan\n")
            #expect(mixed.stderr == """
                aicore-node: volume shop_data is in use by stack shop (service db); remove it after `aicore-node down -p shop`
                aicore-node: no volume nope on this node; `aicore-node volume ls` lists the volumes

                """, "\(mixed.stderr)")
            #expect(server.requests.filter { $0.method == "DELETE" }.map(\.uri)
                == ["/v1/volumes/orphan", "/v1/volumes/nope", "/v1/volumes/shop_data", "/v1/volumes/orphan", "/v1/volumes/nope"])
        }
    }

    @Test func pruneRefusesWithoutATerminalOrDashFAndSaysWhatItFreed() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            let refused = try await Self.cli(server, ["volume", "prune"])
            #expect(refused.status == 2)
            #expect(refused.stdout.isEmpty)
            #expect(refused.stderr == "aicore-node: volume prune asks before it removes anything and stdin is not a terminal; pass -f to prune without asking\n")
            #expect(server.requests.isEmpty, "nothing was asked of the agent")

            let pruned = try await Self.cli(server, ["volume", "prune", "--force"])
            #expect(pruned.status == 0, "\(pruned.stderr)")
            #expect(pruned.stdout == "Deleted Volumes:\ngone_data\norphan\n\nTotal reclaimed space: 65.54kB\n")
            #expect(server.requests.map(\.uri) == ["/v1/volumes/prune"])
        }
    }

    /// On a terminal (a pty from `script`, util-linux) it asks, as Docker does: only yes prunes.
    @Test func pruneOnATerminalAsksAndOnlyYesPrunes() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            @Sendable func prune(answering answer: String) async throws -> ChildProcess.Output {
                var environment = ProcessInfo.processInfo.environment
                environment["AICORE_HOST"] = server.socketPath
                let final = environment
                let command = "printf '\(answer)\\n' | script -qec '\(CommandRunner.binary) volume prune' /dev/null"
                return try await offload { try ChildProcess.run("/bin/sh", ["-c", command], environment: final) }
            }
            let no = try await prune(answering: "n")
            #expect(no.status == 1)
            // The terminal has both streams, with CR LF line ends.
            #expect(no.stdout.contains("\(VolumeCommand.Prune.warning)\r\nAre you sure you want to continue? [y/N] "), "\(no.stdout)")
            #expect(no.stdout.contains("aicore-node: volume prune cancelled; nothing was removed\r\n"), "\(no.stdout)")
            #expect(server.requests.isEmpty)

            let yes = try await prune(answering: "y")
            #expect(yes.status == 0, "\(yes.stdout)")
            #expect(yes.stdout.contains("Total reclaimed space: 65.54kB"), "\(yes.stdout)")
            #expect(server.requests.map(\.uri) == ["/v1/volumes/prune"])
        }
    }

    @Test func downDashVOfAStackThatIsDownListsTheVolumesItRemoved() async throws {
        try await AgentClientTestServer.with(Self.agent) { server in
            let down = try await Self.cli(server, ["down", "-v", "-p", "gone"])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(down.stdout == "removed volume gone_data\nstack gone: down, volumes removed\n")
        }
    }

    @Test(arguments: [(UInt64(0), "0B"), (999, "999B"), (4096, "4.096kB"), (65_536, "65.54kB"), (1_500_000_000, "1.5GB")])
    func sizesAreDockers(bytes: UInt64, text: String) {
        #expect(VolumeCommand.Prune.humanSize(bytes) == text)
    }
}
