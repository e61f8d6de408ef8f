import AICoreOS
import AICoreSupervisor

/// The host's journal, for `logging: {driver: journald}` instances (`JournalForwarder`).
struct SystemJournalSink: JournalSink {
    func send(_ fields: [String]) throws {
        try SystemJournal.send(fields)
    }
}
