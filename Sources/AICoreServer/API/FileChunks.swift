import AICoreSystem
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A file's content as a response streams it (`cp`'s archives): each chunk read on a thread of
/// `BlockingWork` only when the response asks for it, so a slow client slows the reading and no
/// file is held in memory. The descriptor is closed when the last iterator goes.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// Owns the descriptor; reads happen one at a time (an iterator is used by one task).
    final class OpenFile: Sendable {
        let descriptor: Int32
        init(_ descriptor: Int32) { self.descriptor = descriptor }
        deinit { close(descriptor) }
    }

    let file: OpenFile
    let chunkSize: Int

    init(descriptor: Int32, chunkSize: Int = 1 << 20) {
        file = OpenFile(descriptor)
        self.chunkSize = chunkSize
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let file: OpenFile
        let chunkSize: Int
        var ended = false

        mutating func next() async throws -> ByteBuffer? {
            if ended { return nil }
            let (file, size) = (file, chunkSize)
            let bytes = try await BlockingWork.run { () throws -> [UInt8] in
                var buffer = [UInt8](repeating: 0, count: size)
                let n = try retryingEINTR("read the archive") { buffer.withUnsafeMutableBytes { read(file.descriptor, $0.baseAddress, size) } }
                return Array(buffer[0..<n])
            }
            if bytes.isEmpty {
                ended = true
                return nil
            }
            return ByteBuffer(bytes: bytes)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(file: file, chunkSize: chunkSize) }
}
