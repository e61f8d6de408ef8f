#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The exit file the instance init writes into the state directory before it exits
/// (`exit.json`): it outlives the launcher, so an agent restarted later still learns how the
/// workload ended.
public struct ExitRecord: Sendable, Equatable, Codable {
    public static let fileName = "exit.json"

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

    /// Reads `<stateDirectory>/exit.json`; nil if it is not there.
    public static func read(stateDirectory: String) throws -> ExitRecord? {
        guard let bytes = try FileIO.readIfExists(stateDirectory + "/" + fileName) else { return nil }
        return try decode(bytes)
    }
}
