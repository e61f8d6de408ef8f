import NIOCore
import NIOPosix
import Testing
@testable import AICoreSampleAPI

@Suite struct DeadlineTests {
    @Test func returnsTheResultInTime() async throws {
        let value = try await withDeadline(.seconds(5), "quick") { 7 }
        #expect(value == 7)
    }

    @Test func givesUpOnAnOperationThatIgnoresCancellation() async throws {
        // A NIO future that nobody completes: awaiting it ignores task cancellation.
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: Int.self)
        let future = promise.futureResult
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50), "never") { try await future.get() }
        }
        promise.succeed(0)
    }

    @Test func passesErrorsThrough() async {
        await #expect(throws: RedisError.connectionClosed) {
            try await withDeadline(.seconds(5), "failing") { () async throws -> Int in throw RedisError.connectionClosed }
        }
    }
}
