import AICoreOS
import AICoreRuntime
import AICoreSystem
import Foundation
@testable import AICoreSupervisor

enum KernelTestEnvironment {
    static var isRoot: Bool { getuid() == 0 }

    static func uniqueName(_ prefix: String) -> String {
        "t-\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func temporaryDirectory(_ prefix: String) throws -> String {
        let path = "/tmp/aicore-sup-\(uniqueName(prefix))"
        try FileIO.makeDirectories(path)
        return path
    }

    /// The aicore-node binary built next to the test bundle.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["AICORE_NODE_BIN"] { return path }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("aicore-node").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("aicore-node").path
    }

    static func driver(_ root: String) throws -> LinuxTaskDriver {
        try LinuxTaskDriver(configuration: LinuxTaskDriver.Configuration(
            stateRoot: root + "/instances", seccompCacheDirectory: root + "/seccomp-cache"))
    }

    static func spec(_ id: String, root: String, _ command: [String]) -> TaskSpec {
        TaskSpec(id: id, cgroupPath: "aicore/test/\(id)", command: command,
                 logging: TaskSpec.Logging(directory: root + "/logs/" + id))
    }

    /// Host processes whose command line mentions `marker`.
    static func processesMentioning(_ marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { pid in
            guard pid != getpid(), let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker)
        }
    }

    /// Kills what a test left behind in its cgroups and removes its directory.
    static func cleanUp(root: String, driver: LinuxTaskDriver, ids: [String]) async {
        for id in ids { try? await driver.discard(id: id, spec: spec(id, root: root, ["/bin/true"])) }
        try? FileIO.removeTree(root)
    }
}
