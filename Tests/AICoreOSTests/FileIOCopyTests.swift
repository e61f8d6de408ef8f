import AICoreSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("FileIO.copyFile copies within and across filesystems")
struct FileIOCopyTests {
    /// A 3 MiB file of varied bytes.
    static func source(in directory: String) throws -> (path: String, bytes: [UInt8]) {
        let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let path = directory + "/source"
        try FileIO.write(path, bytes)
        return (path, bytes)
    }

    @Test(
        "The copy is exact, and progress ends at the file's size",
        arguments: [("/var/tmp", "/var/tmp"), ("/var/tmp", "/dev/shm"), ("/dev/shm", "/var/tmp")]
    )
    func copies(from: String, to: String) throws {
        // Across filesystems of different types, copy_file_range says EXDEV (Linux ≥ 5.19):
        // the bytes are then copied by read and write.
        let a = "\(from)/aicore-copy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let b = "\(to)/aicore-copy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(a, mode: 0o700)
        try FileIO.makeDirectories(b, mode: 0o700)
        defer {
            try? FileIO.removeTree(a)
            try? FileIO.removeTree(b)
        }
        let (path, bytes) = try Self.source(in: a)
        var reported: [UInt64] = []
        try FileIO.copyFile(path, to: b + "/copy") { reported.append($0) }
        #expect(try FileIO.read(b + "/copy") == bytes)
        #expect(reported.last == UInt64(bytes.count))
        #expect(reported == reported.sorted())
    }
}
