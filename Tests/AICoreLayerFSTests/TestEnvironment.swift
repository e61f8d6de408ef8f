import AICoreSystem
import AICoreTestSupport
import Foundation

enum TestEnvironment {
    /// Unpacking chowns, makes device nodes and whiteouts, and sets trusted.* xattrs; the
    /// overlay tests mount. CI runs as root; elsewhere these suites say they were skipped.
    static var isRoot: Bool { getuid() == 0 }

    static let python = "/usr/bin/python3"
    static let umoci = "/usr/bin/umoci"

    /// The script that writes layers from a JSON description.
    static let makeLayerScript = (Bundle.module.resourcePath.map { $0 + "/Fixtures" } ?? "Tests/AICoreLayerFSTests/Fixtures") + "/make_layer.py"

    /// A fresh directory (0755) under /tmp, for one test; `remove` it in a defer.
    static func scratch(_ label: String) throws -> Scratch {
        let path = "/tmp/aicore-layerfs-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(path, mode: 0o755)
        return Scratch(path: path)
    }

    /// Runs a tool to its end; its failure, with what it printed, is the error.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], directory: String? = nil) throws -> String {
        let output = try ChildProcess.run(executable, arguments, directory: directory, timeout: .seconds(60))
        guard output.status == 0 else {
            throw ToolFailure(description: "\(executable) \(arguments.joined(separator: " ")): exit \(output.status): \(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }
}

struct ToolFailure: Error, CustomStringConvertible {
    var description: String
}

/// A test's own directory under /tmp.
struct Scratch: Sendable {
    let path: String

    func subdirectory(_ name: String) throws -> String {
        let sub = path + "/" + name
        try FileIO.makeDirectories(sub, mode: 0o755)
        return sub
    }

    /// Unmounts what the test mounted below it (it may have failed before its own umount),
    /// then removes the tree. Scratch directories are always directly under /tmp.
    func remove() {
        let mounts = (try? FileIO.readString("/proc/self/mounts")) ?? ""
        for line in mounts.split(separator: "\n").reversed() {
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1].hasPrefix(path + "/") else { continue }
            _ = try? ChildProcess.run("/usr/bin/umount", [String(fields[1])], timeout: .seconds(30))
        }
        // By name bytes, through RootedDirectory: a test leaves names that are not UTF-8.
        let name = path.split(separator: "/").last.map(String.init) ?? path
        do {
            try RootedDirectory(path: "/tmp").remove(named: Array(name.utf8))
        } catch {
            print("AICoreLayerFSTests: could not remove \(path): \(error)")
        }
    }
}

/// SHA-256 of a file, as sha256sum computes it: what a diff ID must equal.
func sha256(ofFile path: String) throws -> String {
    let output = try TestEnvironment.run("/usr/bin/sha256sum", [path])
    return String(output.prefix(64))
}

func fileSize(_ path: String) -> UInt64 {
    var st = stat()
    return stat(path, &st) == 0 ? UInt64(st.st_size) : 0
}
