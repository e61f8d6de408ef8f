/// A size in bytes, written like Docker does (`2G`, `512Mi`, `1gb`, `64m`, `1024`).
/// Docker treats every unit as binary (k = 1024), with or without the `i`; so does this.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) {
        self.bytes = bytes
    }

    private static let units: [(String, UInt64)] = [
        ("", 1), ("b", 1),
        ("k", 1 << 10), ("kb", 1 << 10), ("ki", 1 << 10), ("kib", 1 << 10),
        ("m", 1 << 20), ("mb", 1 << 20), ("mi", 1 << 20), ("mib", 1 << 20),
        ("g", 1 << 30), ("gb", 1 << 30), ("gi", 1 << 30), ("gib", 1 << 30),
        ("t", 1 << 40), ("tb", 1 << 40), ("ti", 1 << 40), ("tib", 1 << 40),
    ]

    public init?(parsing text: String) {
        let source = text.trimmingCharacters(in: .whitespaces).lowercased()
        let number = source.prefix(while: { $0.isNumber || $0 == "." })
        let unitText = source.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty, let value = Double(number), value >= 0,
            let unit = Self.units.first(where: { $0.0 == unitText })
        else { return nil }
        let total = value * Double(unit.1)
        guard total.isFinite, total < 1.8e19 else { return nil }
        bytes = UInt64(total.rounded(.down))
    }

    /// The largest binary unit that divides the size exactly: `2G`, `1536M`, `100`.
    public var description: String {
        for (suffix, factor) in [("T", UInt64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where bytes >= factor && bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes)"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
