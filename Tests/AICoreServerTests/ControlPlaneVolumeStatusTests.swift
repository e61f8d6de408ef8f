import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor
import Testing
@testable import AICoreServer

/// Which volumes are in use, and by which stack: the rule `volume rm` and `volume prune`
/// follow, without a node.
@Suite struct ControlPlaneVolumeStatusTests {
    static func record(_ stack: String, _ key: String) -> VolumeRecord {
        VolumeRecord(name: "\(stack)_\(key)", stack: stack, key: key, path: "/v/\(stack)_\(key)", uid: 1, gid: 2, createdAt: "t")
    }

    static func directory(_ name: String) -> VolumeDirectory {
        VolumeDirectory(name: name, path: "/v/\(name)", uid: 0, gid: 0)
    }

    /// Stack `web`: service `db` mounts `data`; `logs` is declared but mounted by nothing.
    static var web: Stack {
        var db = Service(name: "db")
        db.volumes = [VolumeMount(kind: .volume, source: "data", target: "/data"),
                      VolumeMount(kind: .bind, source: "/srv/logs", target: "/logs")]
        return Stack(name: "web", services: [db], volumes: [VolumeDefinition(key: "data", name: "web_data"),
                                                             VolumeDefinition(key: "logs", name: "web_logs")])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var inUseBy: String?
        var stack: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "web_data", inUseBy: "web", stack: "web"),
        // Applied, but no service mounts it: not in use (its stack keeps it from prune).
        Case(name: "web_logs", inUseBy: nil, stack: "web"),
        // Its stack went down: nobody's.
        Case(name: "gone_data", inUseBy: nil, stack: "gone"),
        // No record: the longest stack name on the node it starts with.
        Case(name: "web_web-db-1_tmp", inUseBy: "web", stack: nil),
        Case(name: "web_x_y", inUseBy: "web_x", stack: nil),
        Case(name: "webby_data", inUseBy: nil, stack: nil),
        Case(name: "orphan", inUseBy: nil, stack: nil),
    ]

    @Test(arguments: cases) func inUseBy(_ expected: Case) throws {
        let statuses = ControlPlane.volumeStatuses(
            records: [Self.record("web", "data"), Self.record("web", "logs"), Self.record("gone", "data")],
            directories: ["web_data", "web_logs", "web_web-db-1_tmp", "web_x_y", "webby_data", "orphan"].map(Self.directory),
            stacksOnNode: ["web", "web_x"], applied: ["web": Self.web])
        let status = try #require(statuses.first { $0.name == expected.name })
        #expect(status.inUseBy == expected.inUseBy)
        #expect(status.stack == expected.stack)
    }

    @Test func everyVolumeOnceByNameTheRecordWinningOverItsDirectory() {
        let statuses = ControlPlane.volumeStatuses(
            records: [Self.record("web", "data"), Self.record("gone", "data")],
            directories: ["web_data", "orphan"].map(Self.directory), stacksOnNode: ["web"], applied: ["web": Self.web])
        #expect(statuses.map(\.name) == ["gone_data", "orphan", "web_data"])
        #expect(statuses.first { $0.name == "web_data" }?.uid == 1, "the record's owner")
        #expect(statuses.first { $0.name == "orphan" }?.key == nil)
    }
}
