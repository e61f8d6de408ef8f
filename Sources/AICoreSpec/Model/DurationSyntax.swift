/// Compose durations (`1m30s`, `500ms`, `2h`, `1.5s`), the format of Go's `time.ParseDuration`.
public enum DurationSyntax {
    private static let units: [(String, Double)] = [
        ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
    ]

    /// The longest duration that fits in Int64 nanoseconds, with a margin.
    public static let maximumSeconds: Double = 9.2e9

    /// Parses a duration; `nil` when the text is not one. "0" alone is zero, as in Go.
    public static func parse(_ text: String) -> Duration? {
        let source = text.trimmingCharacters(in: .whitespaces)
        if source == "0" { return .zero }
        guard !source.isEmpty, !source.hasPrefix("-") else { return nil }
        var rest = Substring(source.hasPrefix("+") ? String(source.dropFirst()) : source)
        var nanoseconds: Double = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isNumber || $0 == "." })
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix(while: { !$0.isNumber && $0 != "." })
            guard let unit = units.first(where: { $0.0 == String(unitText) }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            nanoseconds += value * unit.1 * 1e9
        }
        guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return nil }
        return .nanoseconds(Int64(nanoseconds.rounded()))
    }

    /// The canonical spelling: largest units first, zero parts left out (`1m30s`, `500ms`, `0s`).
    public static func format(_ duration: Duration) -> String {
        let totalNanos = duration.components.seconds * 1_000_000_000
            + duration.components.attoseconds / 1_000_000_000
        if totalNanos == 0 { return "0s" }
        if totalNanos < 1_000_000_000 {
            if totalNanos % 1_000_000 == 0 { return "\(totalNanos / 1_000_000)ms" }
            if totalNanos % 1_000 == 0 { return "\(totalNanos / 1_000)us" }
            return "\(totalNanos)ns"
        }
        var text = ""
        var seconds = totalNanos / 1_000_000_000
        let fraction = totalNanos % 1_000_000_000
        let hours = seconds / 3600
        seconds %= 3600
        let minutes = seconds / 60
        seconds %= 60
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if seconds > 0 || fraction > 0 {
            if fraction == 0 {
                text += "\(seconds)s"
            } else {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 9 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                text += "\(seconds).\(digits)s"
            }
        }
        return text
    }
}

extension Duration {
    /// Seconds as a `Double`, for display and comparisons with fractional settings.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension Double {
    /// `2` rather than `2.0`, `0.5` as is: numbers in messages as the user wrote them.
    public var compactDescription: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
