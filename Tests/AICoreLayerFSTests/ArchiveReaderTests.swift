import AICoreErrors
import AICoreLayerFS
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// Reading tars entry by entry, as layers and `docker save` archives are read. No root needed.
@Suite struct ArchiveReaderTests {
    /// Every entry of the archive at `path`, with the content of files read in chunks.
    private static func readAll(_ path: String) throws(AICoreError) -> (entries: [ArchiveEntry], contents: [String: [UInt8]], sha256: String, bytes: UInt64) {
        let reader = try ArchiveReader(path: path, name: "test archive")
        var entries: [ArchiveEntry] = []
        var contents: [String: [UInt8]] = [:]
        while let entry = try reader.next() {
            entries.append(entry)
            if entry.kind == .file {
                var content: [UInt8] = []
                try reader.readChunks { content += $0 }
                contents[entry.path] = content
            }
        }
        let (sha256, bytes) = try reader.finish()
        return (entries, contents, sha256, bytes)
    }

    /// A tar cut after `length` bytes, as a writer that stopped early leaves it.
    private static func cut(_ path: String, to length: Int) throws {
        try FileIO.write(path, Array(try FileIO.read(path).prefix(length)))
    }

    @Test func readsEachEntrysHeader() async throws {
        let scratch = try TestEnvironment.scratch("reader-headers")
        defer { scratch.remove() }
        let entries = try await offload {
            let tar = scratch.path + "/a.tar"
            try TarWriter.write([
                .directory("d/", mode: 0o750, uid: 1, gid: 2, mtime: 1_600_000_000.25),
                .file("d/f", "hello", mode: 0o4755, xattrs: ["user.a": "b"]),
                .symlink("s", to: "../d/f"),
                .hardlink("h", to: "d/f"),
                .node("c", type: "char", major: 4, minor: 64),
                .node("b", type: "block", major: 8, minor: 1),
                .node("p", type: "fifo"),
            ], to: tar)
            return try Self.readAll(tar).entries
        }
        #expect(entries.map(\.path) == ["d/", "d/f", "s", "h", "c", "b", "p"])
        #expect(entries.map(\.kind) == [.directory, .file, .symlink, .hardlink, .characterDevice, .blockDevice, .fifo])
        #expect(entries[0].permissions == 0o750 && entries[0].uid == 1 && entries[0].gid == 2)
        #expect(entries[0].modificationTime == ArchiveEntry.Time(seconds: 1_600_000_000, nanoseconds: 250_000_000))
        #expect(entries[1].size == 5 && entries[1].permissions == 0o4755)
        #expect(entries[1].extendedAttributes == [ArchiveEntry.ExtendedAttribute(keyBytes: Array("user.a".utf8), value: Array("b".utf8))])
        #expect(entries[2].linkTarget == "../d/f")
        #expect(entries[3].linkTarget == "d/f")
        #expect(entries[4].deviceMajor == 4 && entries[4].deviceMinor == 64)
        #expect(entries[5].deviceMajor == 8 && entries[5].deviceMinor == 1)
    }

    @Test func readsContentInChunksAndIntoSmallBuffers() async throws {
        let scratch = try TestEnvironment.scratch("reader-content")
        defer { scratch.remove() }
        let big = String(repeating: "0123456789abcdef", count: 12_800)
        let (chunked, buffered, ended) = try await offload {
            let tar = scratch.path + "/a.tar"
            try TarWriter.write([.file("big", big), .file("again", big)], to: tar, compression: "gzip")
            let reader = try ArchiveReader(path: tar)
            var chunked: [UInt8] = []
            _ = try reader.next()
            try reader.readChunks { chunked += $0 }
            _ = try reader.next()
            var buffered: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1000)
            while true {
                let n = try buffer.withUnsafeMutableBytes { raw in Result { () throws(AICoreError) in try reader.read(into: raw) } }.get()
                if n == 0 { break }
                buffered += buffer[0..<n]
            }
            return (chunked, buffered, try reader.next() == nil)
        }
        #expect(ended)
        #expect(chunked == Array(big.utf8))
        #expect(buffered == Array(big.utf8))
    }

    /// What follows the end-of-archive marker (tarfile pads to a 10240-byte record) counts.
    @Test func hashesTheWholeDecompressedStreamWhetherContentIsReadOrNot() async throws {
        let scratch = try TestEnvironment.scratch("reader-digest")
        defer { scratch.remove() }
        let (digest, size, unread, read) = try await offload {
            let tar = scratch.path + "/a.tar"
            try TarWriter.write([.file("a", "aaaa"), .directory("d/"), .file("d/b", String(repeating: "b", count: 3000))], to: tar)
            let reader = try ArchiveReader(path: tar)
            while try reader.next() != nil {}
            let unread = try reader.finish()
            let read = try Self.readAll(tar)
            return (try sha256(ofFile: tar), fileSize(tar), unread, read)
        }
        #expect(size == 10240)
        #expect(unread.sha256 == digest && unread.bytes == size)
        #expect(read.sha256 == digest && read.bytes == size)
        #expect(read.contents["d/b"]?.count == 3000)
    }

    @Test(arguments: ["gnu", "posix"])
    func readsTheHolesOfASparseFileAsZeros(format: String) async throws {
        let scratch = try TestEnvironment.scratch("reader-sparse")
        defer { scratch.remove() }
        let (original, read) = try await offload {
            let source = try scratch.subdirectory("src")
            let fd = open(source + "/sparse", O_WRONLY | O_CREAT, 0o644)
            _ = pwrite(fd, "middle", 6, 1 << 20)
            _ = ftruncate(fd, 3 << 20)
            close(fd)
            try TestEnvironment.run("/usr/bin/tar", ["--sparse", "--format=\(format)", "-C", source, "-cf", scratch.path + "/s.tar", "sparse"])
            let all = try Self.readAll(scratch.path + "/s.tar")
            return (try FileIO.read(source + "/sparse"), all.contents["sparse"] ?? [])
        }
        #expect(read.count == 3 << 20)
        #expect(read == original)
    }

    /// Go's tar reader (Docker, containerd, umoci) ends cleanly where the last entry's padding
    /// (all or some of it) and the end marker are missing, and umoci 0.4 writes layers like
    /// that. The digest is of the bytes as they are; the missing zeros are not made up in it.
    @Test(arguments: [512 * 3 + 3, 512 * 3 + 300, 512 * 4])
    func acceptsAStreamThatEndsInTheLastPadding(length: Int) async throws {
        let scratch = try TestEnvironment.scratch("reader-padding")
        defer { scratch.remove() }
        let (digest, all) = try await offload {
            let tar = scratch.path + "/a.tar"
            try TarWriter.write([.file("first", "1"), .file("last", "abc")], to: tar, format: "gnu")
            try Self.cut(tar, to: length)
            return (try sha256(ofFile: tar), try Self.readAll(tar))
        }
        #expect(all.entries.map(\.path) == ["first", "last"])
        #expect(all.contents["last"] == Array("abc".utf8))
        #expect(all.sha256 == digest && all.bytes == UInt64(length))
    }

    @Test(arguments: [
        (512 * 3 + 2, "inside the last entry's data"),
        (512 * 2 + 100, "inside a header"),
    ])
    func refusesAStreamCutAnywhereElse(length: Int, place: String) async throws {
        let scratch = try TestEnvironment.scratch("reader-cut")
        defer { scratch.remove() }
        let outcome = try await offload {
            let tar = scratch.path + "/a.tar"
            try TarWriter.write([.file("first", "1"), .file("last", "abc")], to: tar, format: "gnu")
            try Self.cut(tar, to: length)
            return Result { () throws(AICoreError) in try Self.readAll(tar).entries.count }
        }
        #expect(throws: AICoreError.self, "cut \(place)") { try outcome.get() }
        if case .failure(let error) = outcome {
            #expect(error.code == .invalidImage)
            #expect(error.message.hasPrefix("test archive "), "\(error)")
        }
    }

    @Test func saysWhenTheFileIsMissing() async throws {
        let outcome = try await offload {
            Result { () throws(AICoreError) in _ = try ArchiveReader(path: "/nonexistent/aicore-layer.tar", name: "layer x") }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("opened a missing file")
            return
        }
        #expect(error.code == .systemCall)
        #expect((error.cause as? SystemError)?.errno == ENOENT)
        #expect(error.message.hasPrefix("layer x: open /nonexistent/aicore-layer.tar"))
    }
}
