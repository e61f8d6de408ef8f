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

    public static func rfc3339(unixNanoseconds: Int64) -> String {
        let (seconds, nanoseconds) = unixNanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return rfc3339(seconds: Int(seconds), nanoseconds: Int(nanoseconds))
    }

    /// `2026-11-25T16:00:00.123456789Z`, written digit by digit: every probe result takes two, a
    /// thousand a second at 500 health-checked instances.
    public static func rfc3339(seconds: Int, nanoseconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(unsafeUninitializedCapacity: 30) { buffer in
            var i = 0
            func digits(_ value: Int, _ width: Int) {
                var v = value
                for k in stride(from: width - 1, through: 0, by: -1) {
                    buffer[i + k] = UInt8(ascii: "0") + UInt8(v % 10)
                    v /= 10
                }
                i += width
            }
            func byte(_ c: Unicode.Scalar) {
                buffer[i] = UInt8(ascii: c)
                i += 1
            }
            digits(Int(parts.tm_year) + 1900, 4); byte("-"); digits(Int(parts.tm_mon) + 1, 2); byte("-")
            digits(Int(parts.tm_mday), 2); byte("T"); digits(Int(parts.tm_hour), 2); byte(":")
            digits(Int(parts.tm_min), 2); byte(":"); digits(Int(parts.tm_sec), 2); byte(".")
            digits(nanoseconds, 9); byte("Z")
            return i
        }
    }
}
