import AICoreSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("FileReader reads a file piece by piece")
struct FileReaderTests {
    @Test("Pieces come in order, the last one short, then nothing; a final symlink is refused")
    func readsInPieces() throws {
        let directory = "/var/tmp/aicore-reader-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(directory, mode: 0o700)
        defer { try? FileIO.removeTree(directory) }
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try FileIO.write(directory + "/file", bytes)

        let reader = try FileReader(directory + "/file")
        #expect(reader.size == 10_000)
        var pieces: [[UInt8]] = []
        while true {
            let piece = try reader.read(4096)
            if piece.isEmpty { break }
            pieces.append(piece)
        }
        #expect(pieces.map(\.count) == [4096, 4096, 1808])
        #expect(pieces.flatMap { $0 } == bytes)

        #expect(symlink(directory + "/file", directory + "/link") == 0)
        #expect(throws: SystemError.errno(ELOOP, "open \(directory)/link")) { try FileReader(directory + "/link") }
    }
}
