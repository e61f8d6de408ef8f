import AICoreErrors
import AICoreSystem
import Foundation

/// The names the node holds, each pointing at a manifest in the content store, kept in one
/// JSON file (`<root>/images.json`) that is replaced whole and durably, so a record switches to
/// a new manifest only once everything it needs is stored (a failed re-pull leaves the image in
/// use as it was; containerd#9224). Blocking: callers run it off the cooperative pool, and one
/// actor (`ImageService`) serialises its writers.
public struct ImageCatalog: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    private struct File: Codable {
        var version: Int
        var images: [ImageRecord]
    }

    static let version = 1

    public func load() throws(AICoreError) -> [String: ImageRecord] {
        let bytes: [UInt8]
        do {
            guard let read = try FileIO.readIfExists(path, followSymlinks: false) else { return [:] }
            bytes = read
        } catch {
            throw AICoreError(.systemCall, "cannot read the image catalog \(path): \(error)", cause: error)
        }
        let file: File
        do {
            file = try Self.decoder.decode(File.self, from: Data(bytes))
        } catch {
            throw AICoreError(.corrupt, "the image catalog \(path) does not parse (\(error)); restore it or remove it and pull the images again", cause: error)
        }
        guard file.version <= Self.version else {
            throw AICoreError(.tooNew, "the image catalog \(path) was written by a newer aicore-node (version \(file.version))")
        }
        return Dictionary(file.images.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func save(_ records: [String: ImageRecord]) throws(AICoreError) {
        let file = File(version: Self.version, images: records.values.sorted { $0.name < $1.name })
        do {
            let data = try Self.encoder.encode(file)
            try FileIO.writeDurably(path, Array(data), mode: 0o600)
        } catch {
            throw AICoreError(.systemCall, "cannot write the image catalog \(path): \(error)", cause: error)
        }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
