import AICoreTestSupport
import Glibc
import Synchronization
import Testing
@testable import AICoreOS

/// The one epoll thread and its clients.
@Suite struct EpollLoopTests {
    final class RecordingClient: EpollClient, Sendable {
        private let state = Mutex<(turns: Int, tokens: [UInt64])>((0, []))
        var turns: Int { state.withLock { $0.turns } }
        var tokens: [UInt64] { state.withLock { $0.tokens } }

        func ready(_ tokens: ArraySlice<UInt64>) {
            state.withLock { $0.tokens += tokens }
        }

        func turn(now: Int64) -> Int64? {
            state.withLock { $0.turns += 1 }
            return nil
        }
    }

    /// A readable pipe: its read end, and both ends to close.
    func readablePipe() throws -> (read: Int32, close: () -> Void) {
        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        var byte: UInt8 = 1
        try #require(write(fds[1], &byte, 1) == 1)
        return (fds[0], { close(fds[0]); close(fds[1]) })
    }

    @Test func eachClientGetsTheTokensOfItsOwnDescriptors() async throws {
        let loop = EpollLoop()
        let exits = RecordingClient(), checks = RecordingClient()
        loop.attach(exits, at: .processExits)
        loop.attach(checks, at: .execChecks)
        let a = try readablePipe(), b = try readablePipe()
        defer { a.close(); b.close() }
        #expect(loop.add(a.read, token: 7, for: .processExits, oneshot: true) == 0)
        #expect(loop.add(b.read, token: 9, for: .execChecks, oneshot: true) == 0)
        try await waitUntil("both delivered") { exits.tokens == [7] && checks.tokens == [9] }
    }

    /// A client attached while the loop slept, whose first descriptor is ready in the same wait
    /// as (or, here, instead of) the wake-up: its oneshot event must reach it, or it is lost.
    @Test func aClientAttachedWhileTheLoopSleptGetsItsFirstEvent() async throws {
        let loop = EpollLoop()
        let first = RecordingClient()
        loop.attach(first, at: .processExits)
        try await waitUntil("the loop took a turn and sleeps") { first.turns >= 1 }
        let late = RecordingClient()
        loop.attach(late, at: .execChecks, waking: false)
        let pipe = try readablePipe()
        defer { pipe.close() }
        #expect(loop.add(pipe.read, token: 3, for: .execChecks, oneshot: true) == 0)
        try await waitUntil("the late client got its token") { late.tokens == [3] }
    }
}
