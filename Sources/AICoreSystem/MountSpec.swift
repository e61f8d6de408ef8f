import AICorePaths

/// A mount a user asked for: a bind volume or a tmpfs, at a path inside the instance.
public struct MountSpec: Sendable, Equatable, Hashable {
    public enum Kind: Sendable, Equatable, Hashable {
        case bind(source: String, readOnly: Bool)
        /// `readOnly`: mounted `MS_RDONLY` (Compose's `tmpfs: /x:ro`, `read_only: true`).
        case tmpfs(sizeBytes: UInt64?, mode: UInt32?, readOnly: Bool = false)
    }

    public var destination: String
    public var kind: Kind
    /// A volume's directory (a `.bind` of it) that is filled, when it is empty, with what the
    /// instance's image holds at `destination` before the instance starts, as Docker does for a
    /// volume without `nocopy` (`RootedTreeCopy`). Only for an instance on an image root; never
    /// for a host bind, a tmpfs or a volume's subpath.
    public var copiesImageContent: Bool

    public init(destination: String, kind: Kind, copiesImageContent: Bool = false) {
        self.destination = destination
        self.kind = kind
        self.copiesImageContent = copiesImageContent
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// `SRC:DST[:ro|rw]` (docker run -v). SRC must be an absolute host path.
    public static func parseVolume(_ text: String) throws(ParseError) -> MountSpec {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3 else {
            throw ParseError(description: "invalid volume \"\(text)\": expected SRC:DST[:ro|rw]")
        }
        var readOnly = false
        if parts.count == 3 {
            for option in parts[2].split(separator: ",") {
                switch option {
                case "ro": readOnly = true
                case "rw": readOnly = false
                default:
                    throw ParseError(description: "invalid volume option \"\(option)\" in \"\(text)\": expected ro or rw")
                }
            }
        }
        guard parts[0].hasPrefix("/") else {
            throw ParseError(description: "invalid volume \"\(text)\": the source must be an absolute host path (named volumes come with stacks)")
        }
        let destination = try checkedDestination(parts[1], in: text)
        return MountSpec(destination: destination, kind: .bind(source: parts[0], readOnly: readOnly))
    }

    /// `PATH[:size=64m,mode=1777,ro]` (docker run --tmpfs).
    public static func parseTmpfs(_ text: String) throws(ParseError) -> MountSpec {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let destination = try checkedDestination(parts[0], in: text)
        var size: UInt64?
        var mode: UInt32?
        var readOnly = false
        if parts.count == 2 {
            for option in parts[1].split(separator: ",") {
                if option == "ro" || option == "rw" {
                    readOnly = option == "ro"
                    continue
                }
                let kv = option.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else {
                    throw ParseError(description: "invalid tmpfs option \"\(option)\" in \"\(text)\": expected size=N, mode=OCTAL, ro or rw")
                }
                switch kv[0] {
                case "size":
                    guard let bytes = ByteCount.parse(kv[1]) else {
                        throw ParseError(description: "invalid tmpfs size \"\(kv[1])\" in \"\(text)\": expected a number with an optional k, m or g suffix")
                    }
                    size = bytes
                case "mode":
                    guard let m = UInt32(kv[1], radix: 8), m <= 0o7777 else {
                        throw ParseError(description: "invalid tmpfs mode \"\(kv[1])\" in \"\(text)\": expected octal like 1777")
                    }
                    mode = m
                default:
                    throw ParseError(description: "unknown tmpfs option \"\(kv[0])\" in \"\(text)\": expected size, mode, ro or rw")
                }
            }
        }
        return MountSpec(destination: destination, kind: .tmpfs(sizeBytes: size, mode: mode, readOnly: readOnly))
    }

    /// The destination normalized, by the one rule stacks follow too (`InstancePath`).
    public static func checkedDestination(_ path: String, in text: String) throws(ParseError) -> String {
        let what = "invalid mount destination \"\(path)\"" + (text == path ? "" : " in \"\(text)\"")
        switch InstancePath.normalized(path) {
        case let .success(destination):
            return destination
        case .failure(.relative):
            throw ParseError(description: "\(what): it must be an absolute path")
        case .failure(.dotComponent):
            throw ParseError(description: "\(what): \".\" and \"..\" are not allowed")
        case .failure(.root):
            throw ParseError(description: "\(what): cannot mount over /")
        }
    }
}

/// Byte sizes as docker writes them: `64m`, `1g`, `512k`, `1024` (bytes), case-insensitive,
/// with an optional trailing `b`.
public enum ByteCount {
    public static func parse(_ text: String) -> UInt64? {
        var s = text.lowercased()
        if s.hasSuffix("b"), s.count > 1 { s.removeLast() }
        var multiplier: UInt64 = 1
        if let last = s.last, let m = ["k": UInt64(1) << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40][String(last)] {
            multiplier = m
            s.removeLast()
        }
        guard let value = UInt64(s), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}
