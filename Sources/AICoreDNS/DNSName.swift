/// A domain name as its labels, kept as the bytes that came on the wire: a question is echoed
/// back exactly as asked (resolvers that randomise letter case check it), while lookups use
/// `key`, the lowercased dotted form.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    public var labels: [[UInt8]]

    public init(labels: [[UInt8]]) {
        self.labels = labels
    }

    /// `name` in dotted form; a trailing dot (the root) is accepted and changes nothing. Nil for
    /// an empty label, a label over 63 bytes or a name over 255 bytes on the wire.
    public init?(_ name: String) {
        var text = Substring(name)
        if text.hasSuffix(".") { text = text.dropLast() }
        let labels = text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
        guard labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return nil }
        self.labels = labels
        guard wireLength <= 255 else { return nil }
    }

    /// How many bytes the name takes uncompressed, with its root byte.
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.count } }

    /// The lowercased dotted form without the trailing dot: what names are looked up by.
    public var key: String {
        labels.map { label in String(decoding: label.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self) }.joined(separator: ".")
    }

    public var description: String { labels.isEmpty ? "." : labels.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ".") }
}
