/// The headers of a POSIX tar (ustar, with a pax extended header where ustar cannot hold a
/// member's name or size), as `image save` writes them: only regular files and directories,
/// owned by root, dated 1970, so that one store saves to the same bytes every time.
enum TarHeader {
    static let blockSize = 512
    /// Two zero blocks end an archive.
    static let end = [UInt8](repeating: 0, count: 2 * blockSize)

    enum Kind {
        case file
        case directory
    }

    /// ustar's largest size (eleven octal digits): 8 GiB - 1.
    static let ustarMaxSize: UInt64 = 0o77777777777

    /// The header block(s) of a member named `name` holding `size` bytes: one ustar block, or a
    /// pax block (with the name or size ustar cannot hold) and its records first.
    static func make(_ name: String, kind: Kind, size: UInt64 = 0) -> [UInt8] {
        var records: [(String, String)] = []
        let split = ustarName(name)
        if split == nil { records.append(("path", name)) }
        if size > ustarMaxSize { records.append(("size", String(size))) }
        var out: [UInt8] = []
        if !records.isEmpty {
            let body = records.flatMap { paxRecord($0.0, $0.1) }
            let paxName = Array("PaxHeader/\(name.split(separator: "/").last.map(String.init) ?? name)".utf8.prefix(100))
            out += block(name: paxName, prefix: [], mode: 0o644, size: UInt64(body.count), type: UInt8(ascii: "x"))
            out += body + padding(UInt64(body.count))
        }
        let (prefix, short) = split ?? ([], Array(name.utf8.suffix(100)))
        out += block(
            name: short, prefix: prefix,
            mode: kind == .directory ? 0o755 : 0o644,
            size: size > ustarMaxSize ? 0 : size,
            type: kind == .directory ? UInt8(ascii: "5") : UInt8(ascii: "0")
        )
        return out
    }

    /// Zeros that fill a member of `size` bytes to a whole block.
    static func padding(_ size: UInt64) -> [UInt8] {
        let rest = Int(size % UInt64(blockSize))
        return rest == 0 ? [] : [UInt8](repeating: 0, count: blockSize - rest)
    }

    /// `name` as ustar's prefix (155 bytes) and name (100 bytes) fields, split at a slash;
    /// nil when it does not fit them.
    static func ustarName(_ name: String) -> (prefix: [UInt8], name: [UInt8])? {
        let bytes = Array(name.utf8)
        if bytes.count <= 100 { return ([], bytes) }
        for index in bytes.indices.reversed() where bytes[index] == UInt8(ascii: "/") {
            let prefix = Array(bytes[..<index])
            let rest = Array(bytes[(index + 1)...])
            if prefix.count <= 155, rest.count <= 100, !rest.isEmpty { return (prefix, rest) }
        }
        return nil
    }

    /// One pax record, `"<length> <key>=<value>\n"`, whose length counts its own digits.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length += 1 }
        return Array("\(length)\(body)".utf8)
    }

    private static func block(name: [UInt8], prefix: [UInt8], mode: Int, size: UInt64, type: UInt8) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: [UInt8], at offset: Int) {
            header.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        }
        /// An octal number filling a field of `width` bytes, the last one NUL.
        func octal(_ value: UInt64, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(name, at: 0)
        put(octal(UInt64(mode), width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)  // mtime
        header[156] = type
        put(Array("ustar".utf8) + [0], at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("root".utf8), at: 265)  // uname
        put(Array("root".utf8), at: 297)  // gname
        put(octal(0, width: 8), at: 329)  // devmajor
        put(octal(0, width: 8), at: 337)  // devminor
        put(prefix, at: 345)
        // The checksum is taken with its own field as spaces, and written as six octal digits,
        // a NUL and a space.
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        let sum = header.reduce(UInt64(0)) { $0 + UInt64($1) }
        put(Array(octal(sum, width: 7)) + [UInt8(ascii: " ")], at: 148)
        return header
    }
}
