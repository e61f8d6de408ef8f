import Foundation
import Testing

/// One entry of a tar that Fixtures/make_layer.py writes: the tests describe layers, honest and
/// malicious, as lists of these.
struct TarEntry: Encodable, Sendable, CustomTestStringConvertible {
    var name: String?
    /// The name as hex bytes, for names that are not UTF-8.
    var nameHex: String?
    var type = "file"
    var data: String?
    var target: String?
    var mode: Int?
    var uid: Int?
    var gid: Int?
    var mtime: Double?
    var major: Int?
    var minor: Int?
    var xattrs: [String: String]?

    var testDescription: String {
        let shown = name ?? nameHex.map { "0x" + $0 } ?? ""
        return target.map { "\(type) \(shown) -> \($0)" } ?? "\(type) \(shown)"
    }

    static func file(_ name: String, _ data: String = "", mode: Int = 0o644, uid: Int = 0, gid: Int = 0,
                     mtime: Double? = nil, xattrs: [String: String]? = nil) -> TarEntry {
        TarEntry(name: name, type: "file", data: data, mode: mode, uid: uid, gid: gid, mtime: mtime, xattrs: xattrs)
    }

    static func directory(_ name: String, mode: Int = 0o755, uid: Int = 0, gid: Int = 0, mtime: Double? = nil,
                          xattrs: [String: String]? = nil) -> TarEntry {
        TarEntry(name: name, type: "dir", mode: mode, uid: uid, gid: gid, mtime: mtime, xattrs: xattrs)
    }

    static func symlink(_ name: String, to target: String, uid: Int = 0, gid: Int = 0) -> TarEntry {
        TarEntry(name: name, type: "symlink", target: target, mode: 0o777, uid: uid, gid: gid)
    }

    static func hardlink(_ name: String, to target: String) -> TarEntry {
        TarEntry(name: name, type: "hardlink", target: target)
    }

    static func node(_ name: String, type: String, major: Int = 0, minor: Int = 0, mode: Int = 0o644,
                     uid: Int = 0, gid: Int = 0) -> TarEntry {
        TarEntry(name: name, type: type, mode: mode, uid: uid, gid: gid, major: major, minor: minor)
    }
}

enum TarWriter {
    /// Writes `entries` as a tar at `path` (`format` pax, gnu or ustar; `compression` none or
    /// gzip) with Python's tarfile, which writes names exactly as given.
    static func write(_ entries: [TarEntry], to path: String, format: String = "pax", compression: String = "none") throws {
        struct Spec: Encodable {
            var format: String
            var compression: String
            var entries: [TarEntry]
        }
        let spec = try JSONEncoder().encode(Spec(format: format, compression: compression, entries: entries))
        try spec.write(to: URL(fileURLWithPath: path + ".json"))
        try TestEnvironment.run(TestEnvironment.python, [TestEnvironment.makeLayerScript, path + ".json", path])
    }
}
