/// A service's use of a top-level secret or config (`secrets:` / `configs:` on a service), in
/// Compose's short (`- name`) or long (`{source, target, uid, gid, mode}`) syntax.
public struct FileReference: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case secret, config

        /// Where a target that is not absolute goes, and where the default one does.
        public var directory: String { self == .secret ? "/run/secrets" : "" }
        /// 0400 for a secret (read by its owner only), 0444 for a config, as Compose.
        public var defaultMode: UInt32 { self == .secret ? 0o400 : 0o444 }
    }

    /// The key of the top-level definition.
    public var source: String
    /// The target as written; nil: the default (`/run/secrets/<source>`, `/<source>`).
    public var target: String?
    /// The file's owner; nil: the workload's user and its group.
    public var uid: UInt32?
    public var gid: UInt32?
    /// nil: `Kind.defaultMode`.
    public var mode: UInt32?
    /// Where the content comes from: the definition's source, attached by the loader (never
    /// printed under the service; the definition is printed at the top level).
    public var definition: FileObjectDefinition.Source?

    public init(source: String, target: String? = nil, uid: UInt32? = nil, gid: UInt32? = nil, mode: UInt32? = nil,
                definition: FileObjectDefinition.Source? = nil) {
        self.source = source
        self.target = target
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.definition = definition
    }

    /// The absolute path inside the instance: an absolute target as written, a relative one
    /// below the kind's directory (Compose's rule for secrets; `/` for configs).
    public func destination(_ kind: Kind) -> String {
        let name = target ?? source
        return name.hasPrefix("/") ? name : kind.directory + "/" + name
    }

    /// Whether the short syntax says all of it.
    var isShort: Bool { target == nil && uid == nil && gid == nil && mode == nil }
}
