import Dispatch
import Foundation

/// Delivers SIGINT/SIGTERM as values instead of killing the process.
final class SignalWatcher: Sendable {
    private let stream: AsyncStream<Int32>
    // Set once in init and never touched again: kept only so the sources stay alive.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func next() async -> Int32? {
        for await sig in stream { return sig }
        return nil
    }
}
