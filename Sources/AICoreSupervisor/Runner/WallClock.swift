#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for events and records (the injected `Clock` measures intervals; people and
/// the Store need dates). RFC 3339 UTC with nanoseconds, like the instance logs.
public enum WallClock {
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// The Unix times (ms) that lie `ages` before now: how intervals on the injected clock are
    /// kept in the Store, where the next agent's clock has a different origin.
    public static func unixMilliseconds(ago ages: [Duration]) -> [Int64] {
        let now = nowMilliseconds()
        return ages.map { now - milliseconds($0) }
    }

    /// The inverse: how long ago each Unix time (ms) was.
    public static func ages(ofUnixMilliseconds times: [Int64]) -> [Duration] {
        let now = nowMilliseconds()
        return times.map { .milliseconds(now - $0) }
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    public static func rfc3339Now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return rfc3339(seconds: Int(ts.tv_sec), nanoseconds: Int(ts.tv_nsec))
    }

    public static func rfc3339(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let nanos = String(nanoseconds)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: max(0, 9 - nanos.count)) + nanos + "Z"
    }
}
