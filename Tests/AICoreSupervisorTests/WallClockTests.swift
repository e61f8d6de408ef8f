import Testing
@testable import AICoreSupervisor

@Suite struct WallClockTests {
    @Test func rfc3339IsUTCWithNineFractionDigits() {
        #expect(WallClock.rfc3339(seconds: 0, nanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
        #expect(WallClock.rfc3339(seconds: 1_764_086_400, nanoseconds: 123_456_789) == "2025-11-25T16:00:00.123456789Z")
        #expect(WallClock.rfc3339(seconds: 951_782_400 + 86_399, nanoseconds: 7) == "2000-02-29T23:59:59.000000007Z")
    }

    @Test func nowLooksLikeATimestamp() {
        let now = WallClock.rfc3339Now()
        #expect(now.utf8.count == 30)
        #expect(now.hasSuffix("Z"))
        #expect(now.dropFirst(10).first == "T")
    }
}
