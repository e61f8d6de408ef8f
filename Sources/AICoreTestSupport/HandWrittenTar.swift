/// Tar archives written byte by byte, for the entries no tool will write (`../x`, `/etc/x`): the
/// refusals of a copy into an instance are tested with them.
public enum HandWrittenTar {
    /// A ustar archive of `entries` (name, content): regular files, mode 0644, owned by root.
    public static func ustar(_ entries: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, content) in entries {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { header.replaceSubrange(offset..<(offset + text.utf8.count), with: Array(text.utf8)) }
            put(name, at: 0)
            put("0000644", at: 100)
            put("0000000", at: 108)
            put("0000000", at: 116)
            put(octal(content.utf8.count, digits: 11), at: 124)
            put("00000000000", at: 136)
            header[156] = UInt8(ascii: "0")
            put("ustar", at: 257)
            put("00", at: 263)
            // The checksum counts its own field as spaces.
            put("        ", at: 148)
            put(octal(header.reduce(0) { $0 + Int($1) }, digits: 6) + "\0 ", at: 148)
            out += header + Array(content.utf8) + [UInt8](repeating: 0, count: (512 - content.utf8.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func octal(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
