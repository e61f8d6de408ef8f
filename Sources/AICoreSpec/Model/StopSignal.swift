/// A signal name as Compose writes it (`SIGTERM`, `TERM`, `SIGRTMIN+3`) or a number.
public struct StopSignal: Sendable, Hashable, CustomStringConvertible {
    /// The canonical name, e.g. `SIGTERM`.
    public var name: String
    public var number: Int32

    public static let term = StopSignal(name: "SIGTERM", number: 15)
    public static let kill = StopSignal(name: "SIGKILL", number: 9)

    /// Linux x86-64/arm64 numbering.
    static let table: [(String, Int32)] = [
        ("SIGHUP", 1), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGILL", 4), ("SIGTRAP", 5), ("SIGABRT", 6),
        ("SIGIOT", 6), ("SIGBUS", 7), ("SIGFPE", 8), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGSEGV", 11),
        ("SIGUSR2", 12), ("SIGPIPE", 13), ("SIGALRM", 14), ("SIGTERM", 15), ("SIGSTKFLT", 16),
        ("SIGCHLD", 17), ("SIGCONT", 18), ("SIGSTOP", 19), ("SIGTSTP", 20), ("SIGTTIN", 21),
        ("SIGTTOU", 22), ("SIGURG", 23), ("SIGXCPU", 24), ("SIGXFSZ", 25), ("SIGVTALRM", 26),
        ("SIGPROF", 27), ("SIGWINCH", 28), ("SIGIO", 29), ("SIGPOLL", 29), ("SIGPWR", 30), ("SIGSYS", 31),
    ]

    public init(name: String, number: Int32) {
        self.name = name
        self.number = number
    }

    public init?(parsing text: String) {
        let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
        if let number = Int32(upper) {
            guard (1...64).contains(number) else { return nil }
            let name = Self.table.first { $0.1 == number }?.0 ?? "SIGRTMIN+\(number - 34)"
            self.init(name: name, number: number)
            return
        }
        let name = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        if let entry = Self.table.first(where: { $0.0 == name }) {
            self.init(name: entry.0, number: entry.1)
            return
        }
        for (base, offset) in [("SIGRTMIN", Int32(34)), ("SIGRTMAX", Int32(64))] where name.hasPrefix(base) {
            let rest = name.dropFirst(base.count)
            let delta = rest.isEmpty ? 0 : Int32(rest) ?? 99
            let number = offset + delta
            guard (34...64).contains(number) else { return nil }
            self.init(name: name, number: number)
            return
        }
        return nil
    }

    public var description: String { name }
}
