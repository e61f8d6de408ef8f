import AICoreErrors

/// Why an entry of a layer is refused: it would write outside the layer's directory, through a
/// symlink, or forge what overlayfs reads. One refused entry refuses the whole layer.
enum LayerRefusal: Equatable {
    case absolutePath
    case parentReference
    case throughSymlink
    case parentNotDirectory
    case replacesRoot(ArchiveEntry.Kind)
    case hardlinkOutside(target: [UInt8])
    case hardlinkThroughSymlink(target: [UInt8])
    case hardlinkMissing(target: [UInt8])
    case hardlinkToDirectory(target: [UInt8])
    case whiteoutOfNothing
    case overlayAttribute(key: [UInt8])
    case owner(uid: Int64, gid: Int64)

    init(_ problem: LayerPath.Problem) {
        switch problem {
        case .absolute: self = .absolutePath
        case .parentReference: self = .parentReference
        }
    }

    var reason: String {
        switch self {
        case .absolutePath:
            "names an absolute path"
        case .parentReference:
            "names a path outside the layer (a \"..\" component)"
        case .throughSymlink:
            "names a path through a symlink"
        case .parentNotDirectory:
            "names a path below something that is not a directory"
        case .replacesRoot(let kind):
            "would replace the layer's root directory with a \(kind)"
        case .hardlinkOutside(let target):
            "links to \(Self.quoted(target)), a path outside the layer"
        case .hardlinkThroughSymlink(let target):
            "links to \(Self.quoted(target)) through a symlink"
        case .hardlinkMissing(let target):
            "links to \(Self.quoted(target)), which no earlier entry of the layer made"
        case .hardlinkToDirectory(let target):
            "links to \(Self.quoted(target)), a directory"
        case .whiteoutOfNothing:
            "whites out \".\", \"..\" or an empty name"
        case .overlayAttribute(let key):
            "carries the extended attribute \(Self.quoted(key)), which would forge overlay metadata"
        case .owner(let uid, let gid):
            "is owned by \(uid):\(gid), outside 0...4294967294"
        }
    }

    func error(layer: String, entry: [UInt8]) -> AICoreError {
        AICoreError(
            .unsafeLayer,
            "layer \(layer): entry \(Self.quoted(entry)) \(reason); refused",
            context: ["layer": layer, "entry": String(decoding: entry, as: UTF8.self)]
        )
    }

    /// A name from the archive, quoted with its control characters escaped: a newline in a
    /// name must not start a forged line in a log.
    static func quoted(_ bytes: [UInt8]) -> String {
        String(reflecting: String(decoding: bytes, as: UTF8.self))
    }
}
