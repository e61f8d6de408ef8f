import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import Foundation

/// A layer written from `TarEntry`s and unpacked into a directory of its own.
struct UnpackedLayer: Sendable {
    static let name = "sha256:ab12" + String(repeating: "0", count: 60)

    let archive: String
    let directory: String
    let outcome: Result<LayerUnpackResult, AICoreError>

    /// Writes `entries` as `scratch`/layer.tar and unpacks it into `directory` (made here,
    /// empty, 0755), or `scratch`/layer by default.
    static func make(_ entries: [TarEntry], in scratch: Scratch, directory: String? = nil, format: String = "pax",
                     compression: String = "none") throws -> UnpackedLayer {
        let archive = scratch.path + "/layer.tar"
        try TarWriter.write(entries, to: archive, format: format, compression: compression)
        return try unpack(archive, into: directory ?? scratch.path + "/layer")
    }

    /// Unpacks an archive that is already there into `directory` (made here).
    static func unpack(_ archive: String, into directory: String) throws -> UnpackedLayer {
        try FileIO.makeDirectories(directory, mode: 0o755)
        let outcome = Result { () throws(AICoreError) in
            try LayerUnpacker().unpack(archivePath: archive, into: directory, layer: name)
        }
        return UnpackedLayer(archive: archive, directory: directory, outcome: outcome)
    }

    var result: LayerUnpackResult {
        get throws { try outcome.get() }
    }

    var error: AICoreError? {
        if case .failure(let error) = outcome { return error }
        return nil
    }

    func tree(times: TreeSnapshot.Times = .all) throws -> TreeSnapshot {
        try TreeSnapshot.take(directory, times: times)
    }
}
