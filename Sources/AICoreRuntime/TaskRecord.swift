#if canImport(FoundationEssentials)
import AICoreSystem
import FoundationEssentials
#else
import Foundation
#endif
import AICoreOS

#if canImport(Glibc)
import Glibc
#endif

/// What the driver persists in the state directory (`task.json`) to re-adopt a running task
/// after an agent restart: the init's pid and start time, and where its cgroup and logs are.
struct TaskRecord: Codable, Sendable, Equatable {
    static let fileName = "task.json"

    var id: String
    var pid: Int32
    var startTime: UInt64
    var stateDirectory: String
    var logDirectory: String
    var cgroupPath: String?
    var cgroupDirectories: [String]?
    var unifiedDirectory: String?
    var namespaces: UInt64

    func write() throws {
        let bytes = Array(try JSONEncoder().encode(self))
        let tmp = stateDirectory + "/" + TaskRecord.fileName + ".tmp"
        try FileIO.write(tmp, bytes)
        guard rename(tmp, stateDirectory + "/" + TaskRecord.fileName) == 0 else {
            throw SystemError.last("rename \(tmp)")
        }
    }

    static func read(stateDirectory: String) throws -> TaskRecord {
        try JSONDecoder().decode(TaskRecord.self, from: Data(FileIO.read(stateDirectory + "/" + fileName)))
    }
}

/// /proc/PID/stat field 22 (start time in clock ticks since boot), or nil if the process is gone.
func processStartTime(_ pid: Int32) -> UInt64? {
    guard let text = try? FileIO.readString("/proc/\(pid)/stat"),
          let close = text.lastIndex(of: ")") else { return nil }
    // Fields after the command: state is field 3, so start time (22) is the 20th after ')'.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count >= 20 else { return nil }
    return UInt64(fields[19])
}
