#if canImport(FoundationEssentials)
import AICoreSystem
import FoundationEssentials
#else
import Foundation
#endif

/// The exit file the instance init writes before it exits (`<state>/exit.json`): it outlives
/// the launcher, so an agent restarted later still learns how the workload ended. The launcher
/// makes it empty and hands the init a descriptor of that file alone (never of a directory), so
/// nothing else of the state directory (the task record, the exec socket) is within its reach.
/// Empty means the init has not recorded an exit.
public struct ExitRecord: Sendable, Equatable, Codable {
    public static let fileName = "exit.json"

    /// Where the init writes it for an instance whose state is in `stateDirectory`.
    public static func path(stateDirectory: String) -> String { stateDirectory + "/" + fileName }

    /// The workload's pid inside the instance's pid namespace.
    public var pid: Int32
    /// The code, or 128 + signal.
    public var exitCode: Int32
    public var signal: Int32?
    public var oomKilled: Bool
    /// RFC 3339, UTC, nanoseconds.
    public var finishedAt: String

    public init(pid: Int32, exitCode: Int32, signal: Int32?, oomKilled: Bool, finishedAt: String) {
        self.pid = pid
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.finishedAt = finishedAt
    }

    public var status: WaitStatus {
        if let signal { return .signaled(signal) }
        return .exited(exitCode)
    }

    public static func decode(_ bytes: [UInt8]) throws -> ExitRecord {
        try JSONDecoder().decode(ExitRecord.self, from: Data(bytes))
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    /// Reads `<stateDirectory>/exit.json`; nil if it is not there or still empty.
    public static func read(stateDirectory: String) throws -> ExitRecord? {
        guard let bytes = try FileIO.readIfExists(path(stateDirectory: stateDirectory)), !bytes.isEmpty else { return nil }
        return try decode(bytes)
    }
}
