import Testing

@testable import AICoreSpec

@Suite("DurationSyntax")
struct DurationSyntaxTests {
    static let valid: [(text: String, duration: Duration)] = [
        ("1m30s", .seconds(90)),
        ("500ms", .milliseconds(500)),
        ("2h", .seconds(7200)),
        ("1.5s", .milliseconds(1500)),
        ("0", .zero),
        ("0s", .zero),
        ("10us", .microseconds(10)),
        ("10µs", .microseconds(10)),
        ("250ns", .nanoseconds(250)),
        ("1h2m3s", .seconds(3723)),
        ("1h0m", .seconds(3600)),
        ("1d", .seconds(86400)),
        ("+5s", .seconds(5)),
        (" 5s ", .seconds(5)),
    ]

    @Test("parses", arguments: valid)
    func parses(_ example: (text: String, duration: Duration)) {
        #expect(DurationSyntax.parse(example.text) == example.duration)
    }

    @Test("rejects", arguments: ["", " ", "10", "-5s", "5x", "s", "1.2.3s", "5 s", "1m 30s", "ten seconds", "5S"])
    func rejects(_ text: String) {
        #expect(DurationSyntax.parse(text) == nil)
    }

    static let canonical: [(duration: Duration, text: String)] = [
        (.zero, "0s"),
        (.seconds(90), "1m30s"),
        (.milliseconds(500), "500ms"),
        (.seconds(7200), "2h"),
        (.milliseconds(1500), "1.5s"),
        (.microseconds(10), "10us"),
        (.nanoseconds(7), "7ns"),
        (.seconds(3723), "1h2m3s"),
        (.seconds(3601), "1h1s"),
        (.seconds(86400), "24h"),
        (.milliseconds(60_250), "1m0.25s"),
    ]

    @Test("formats canonically", arguments: canonical)
    func formats(_ example: (duration: Duration, text: String)) {
        #expect(DurationSyntax.format(example.duration) == example.text)
    }

    @Test(
        "reads back what it formats",
        arguments: [
            Duration.zero, .nanoseconds(1), .microseconds(999), .milliseconds(1), .milliseconds(1500), .seconds(59),
            .seconds(61), .seconds(3599), .seconds(3723), .milliseconds(3_723_004), .seconds(100 * 3600),
        ])
    func roundTrip(_ duration: Duration) {
        #expect(DurationSyntax.parse(DurationSyntax.format(duration)) == duration)
    }

    @Test("spellings of one duration format the same", arguments: ["90s", "1m30s", "1.5m", "90000ms"])
    func sameCanonicalForm(_ text: String) throws {
        let duration = try #require(DurationSyntax.parse(text))
        #expect(DurationSyntax.format(duration) == "1m30s")
    }
}
