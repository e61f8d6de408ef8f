/// Durations as people read them in events, Go/Kubernetes style: `500ms`, `1.5s`, `20s`, `5m0s`.
public enum DurationText {
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let totalMilliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if totalMilliseconds < 1000 { return "\(totalMilliseconds)ms" }
        if totalMilliseconds < 10_000 {
            // One decimal below ten seconds, where jitter makes the difference visible.
            let tenths = (totalMilliseconds + 50) / 100
            return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let wholeSeconds = (totalMilliseconds + 500) / 1000
        if wholeSeconds < 60 { return "\(wholeSeconds)s" }
        let minutes = wholeSeconds / 60
        if minutes < 60 { return "\(minutes)m\(wholeSeconds % 60)s" }
        return "\(minutes / 60)h\(minutes % 60)m\(wholeSeconds % 60)s"
    }
}
