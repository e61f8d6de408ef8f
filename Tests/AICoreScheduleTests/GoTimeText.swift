import Foundation

/// The time strings of robfig/cron's tables, read the way its `getTime` reads them, so the
/// ported rows can keep the Go text verbatim:
/// - `Mon Jul 9 15:04 2012` and `Mon Jul 9 15:04:05 2012`: wall time in the run's zone (Go's
///   `time.Local`; pinned to UTC here so the result does not depend on the machine). As in Go,
///   the weekday is read but not checked (robfig's table has `Tue Aug 1 2012`, a Wednesday).
/// - `2012-03-11T00:00:00-0500`: an instant with its offset.
/// - `""`: no time (robfig's zero time, for "no activation").
enum GoTimeText {
    static func instant(_ text: String) -> Date? {
        if text.isEmpty { return nil }
        let words = text.split(separator: " ")
        if words.count == 5 {
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            let clock = words[3].split(separator: ":").map { Int($0)! }
            return utc(year: Int(words[4])!, month: months.firstIndex(of: String(words[1]))! + 1, day: Int(words[2])!,
                       hour: clock[0], minute: clock[1], second: clock.count > 2 ? clock[2] : 0, offset: 0)
        }
        // yyyy-MM-ddTHH:mm:ss±hhmm
        let digits = { (from: Int, count: Int) -> Int in
            let start = text.index(text.startIndex, offsetBy: from)
            return Int(text[start..<text.index(start, offsetBy: count)])!
        }
        let sign = text[text.index(text.startIndex, offsetBy: 19)] == "-" ? -1 : 1
        let offset = sign * (digits(20, 2) * 3600 + digits(22, 2) * 60)
        return utc(year: digits(0, 4), month: digits(5, 2), day: digits(8, 2),
                   hour: digits(11, 2), minute: digits(14, 2), second: digits(17, 2), offset: offset)
    }

    private static func utc(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let wall = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
        return wall.addingTimeInterval(TimeInterval(-offset))
    }
}

/// The zone a ported row runs in: robfig's `time.Local` (UTC here), a named zone (robfig's
/// `TZ=` prefix on the spec or the time), or a fixed offset (Go's zone for a parsed `+0530`).
enum RowZone: Sendable, CustomStringConvertible {
    case local
    case named(String)
    case fixed(seconds: Int)

    var timeZone: TimeZone {
        switch self {
        case .local: TimeZone(identifier: "UTC")!
        case .named(let identifier): TimeZone(identifier: identifier)!
        case .fixed(let seconds): TimeZone(secondsFromGMT: seconds)!
        }
    }

    var description: String {
        switch self {
        case .local: "UTC"
        case .named(let identifier): identifier
        case .fixed(let seconds): "UTC\(seconds >= 0 ? "+" : "")\(Double(seconds) / 3600)h"
        }
    }
}
