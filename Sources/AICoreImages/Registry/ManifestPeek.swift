import Foundation

/// The fields of a manifest that say what it is, read before trusting its type.
struct ManifestPeek: Decodable {
    var schemaVersion: Int?
    var mediaType: String?

    static func decode(_ bytes: [UInt8]) -> ManifestPeek? {
        try? JSONDecoder().decode(ManifestPeek.self, from: Data(bytes))
    }
}
