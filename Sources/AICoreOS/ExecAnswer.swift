import CAICoreShim

/// The instance init's answers to one exec request, read message by message (protocol in
/// initexec.c): output, then the exit status or a report that the process never started.
/// Shared by a single `InstanceExecChannel.run` and the `ExecCheckScheduler`'s repeated checks.
struct ExecAnswer {
    enum Step {
        case more
        case exited(WaitStatus)
        /// The process could not be made; the init's report of where its setup failed.
        case notStarted(aic_child_error)
        /// Not a message of the protocol.
        case malformed
    }

    /// stdout and stderr together, in order, cut at `outputLimit`.
    private(set) var output: [UInt8] = []
    let outputLimit: Int

    init(outputLimit: Int) {
        self.outputLimit = outputLimit
    }

    mutating func take(_ message: UnsafeRawBufferPointer) -> Step {
        guard let kind = message.first else { return .malformed }
        let body = UnsafeRawBufferPointer(rebasing: message[1...])
        switch kind {
        case UInt8(ascii: "o"):
            let take = min(body.count, max(0, outputLimit - output.count))
            if take > 0 { output.append(contentsOf: body.prefix(take)) }
            return .more
        case UInt8(ascii: "f") where body.count >= MemoryLayout<aic_child_error>.size:
            var report = aic_child_error()
            withUnsafeMutableBytes(of: &report) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: body.prefix($0.count))) }
            return .notStarted(report)
        case UInt8(ascii: "x") where body.count >= 8:
            let kind = body.loadUnaligned(fromByteOffset: 0, as: Int32.self)
            let value = body.loadUnaligned(fromByteOffset: 4, as: Int32.self)
            return .exited(kind == 1 ? .exited(value) : .signaled(value))
        default:
            return .malformed
        }
    }
}
