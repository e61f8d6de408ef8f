/// A 2xx answer whose body arrives over time (`logs?follow=true`, `events`).
///
/// `chunks` yields body bytes as they arrive and finishes when the agent ends the response.
/// Cancelling the task that iterates `chunks`, or letting go of the stream and its iterators,
/// closes the connection. Chunks are buffered without bound until consumed, so consume promptly.
public struct AgentStream: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var chunks: AsyncThrowingStream<[UInt8], any Error>

    public init(status: Int, headers: [(String, String)], chunks: AsyncThrowingStream<[UInt8], any Error>) {
        self.status = status
        self.headers = headers
        self.chunks = chunks
    }

    /// Calls `body` with each line of an NDJSON body as it arrives (without its newline), leaving
    /// out the empty lines the agent writes to keep the connection alive.
    public func forEachLine(_ body: ([UInt8]) throws -> Void) async throws {
        var pending: [UInt8] = []
        for try await chunk in chunks {
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if !line.isEmpty { try body(line) }
            }
        }
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
