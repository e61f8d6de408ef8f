import Testing

@testable import AICoreSpec

@Suite("StopSignal")
struct StopSignalTests {
    static let valid: [(text: String, name: String, number: Int32)] = [
        ("TERM", "SIGTERM", 15),
        ("SIGTERM", "SIGTERM", 15),
        ("SIGQUIT", "SIGQUIT", 3),
        ("sigint", "SIGINT", 2),
        ("  HUP ", "SIGHUP", 1),
        ("9", "SIGKILL", 9),
        ("15", "SIGTERM", 15),
        ("SIGUSR1", "SIGUSR1", 10),
        ("WINCH", "SIGWINCH", 28),
        ("SIGRTMIN", "SIGRTMIN", 34),
        ("SIGRTMIN+3", "SIGRTMIN+3", 37),
        ("RTMAX", "SIGRTMAX", 64),
        ("SIGRTMAX-2", "SIGRTMAX-2", 62),
        ("40", "SIGRTMIN+6", 40),
        ("64", "SIGRTMIN+30", 64),
    ]

    @Test("parses a name, a SIG-less name or a number", arguments: valid)
    func parses(_ example: (text: String, name: String, number: Int32)) throws {
        let signal = try #require(StopSignal(parsing: example.text))
        #expect(signal.name == example.name)
        #expect(signal.number == example.number)
        #expect(signal.description == example.name)
    }

    @Test("rejects", arguments: ["", "SIG", "SIGFOO", "TERMINATE", "0", "65", "-1", "SIGRTMIN+31", "SIGRTMAX+1", "SIGRTMINX"])
    func rejects(_ text: String) {
        #expect(StopSignal(parsing: text) == nil)
    }

    @Test("has SIGTERM and SIGKILL at hand")
    func constants() {
        #expect(StopSignal.term == StopSignal(parsing: "TERM"))
        #expect(StopSignal.kill == StopSignal(parsing: "9"))
    }
}
