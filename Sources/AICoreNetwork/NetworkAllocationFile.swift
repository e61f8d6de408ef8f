import AICoreErrors
import AICoreSystem
import Foundation

/// `NetworkAllocations` on disk (`<state_dir>/networks.json`), replaced whole and durably at
/// each change, so that an agent restart finds every network and address where it was.
/// Blocking: callers run it off the cooperative pool.
public struct NetworkAllocationFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    private struct File: Codable {
        var version: Int
        var allocations: NetworkAllocations
    }

    static let version = 1

    /// What the file holds; empty allocations when there is no file yet.
    public func load() throws(AICoreError) -> NetworkAllocations {
        let bytes: [UInt8]
        do {
            guard let read = try FileIO.readIfExists(path, followSymlinks: false) else { return NetworkAllocations() }
            bytes = read
        } catch {
            throw AICoreError(.systemCall, "cannot read the network allocations \(path): \(error)", cause: error)
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw AICoreError(.corrupt, "the network allocations \(path) do not parse (\(error)); restore the file, or remove it with every stack down", cause: error)
        }
        guard file.version <= Self.version else {
            throw AICoreError(.tooNew, "the network allocations \(path) were written by a newer aicore-node (version \(file.version))")
        }
        return file.allocations
    }

    public func save(_ allocations: NetworkAllocations) throws(AICoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(File(version: Self.version, allocations: allocations))
            try FileIO.writeDurably(path, Array(data) + [0x0a], mode: 0o600)
        } catch {
            throw AICoreError(.systemCall, "cannot write the network allocations \(path): \(error)", cause: error)
        }
    }
}
