import AICoreSystem
import Foundation

/// A directory of its own for one test or suite, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String) throws {
        var template = Array("\(NSTemporaryDirectory())/aicore-\(label)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Removes the tree on a Dispatch thread (a test's cooperative thread must not block).
    public func remove() async {
        let path = path
        do {
            try await offload { try FileIO.removeTree(path) }
        } catch {
            print("could not remove \(path): \(error)")
        }
    }
}
