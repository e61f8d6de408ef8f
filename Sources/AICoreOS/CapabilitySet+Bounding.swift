import AICoreSystem

extension CapabilitySet {
    /// The calling process's bounding set (`CapBnd` of /proc/self/status): what a child of it can
    /// hold at most. A privileged instance gets this, as Docker gives the capabilities it has
    /// itself: asking for one beyond it makes capset fail (EPERM). nil when it cannot be read.
    public static func ownBoundingSet() -> CapabilitySet? {
        guard let status = try? FileIO.readString("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("CapBnd:") {
            let hex = line.dropFirst("CapBnd:".count).filter { !$0.isWhitespace }
            return UInt64(String(hex), radix: 16).map { CapabilitySet(bits: $0) }
        }
        return nil
    }
}
