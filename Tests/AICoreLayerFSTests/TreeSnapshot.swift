import AICoreSystem

/// What a tree holds, entry by entry, read through RootedDirectory (nothing followed): for
/// "nothing outside the layer changed" and "the overlay shows what umoci unpacked".
struct TreeSnapshot: Sendable {
    enum Times: Sendable {
        case all, nonDirectories, none
    }

    struct Entry: Equatable, Sendable, CustomStringConvertible {
        var kind: FileStatus.Kind
        var permissions: UInt32
        var uid: UInt32
        var gid: UInt32
        /// Regular files only (a directory's size is the filesystem's business).
        var size: UInt64
        var content: [UInt8]?
        var target: [UInt8]?
        var device: [UInt32]?
        var xattrs: [String: [UInt8]]
        var modification: [Int64]?

        var description: String {
            var text = "\(kind) \(String(permissions, radix: 8)) \(uid):\(gid)"
            if kind == .regular { text += " \(size)B" }
            if let target { text += " -> \(String(decoding: target, as: UTF8.self))" }
            if let device { text += " \(device[0]):\(device[1])" }
            if !xattrs.isEmpty { text += " xattrs \(xattrs.keys.sorted())" }
            if let modification { text += " mtime \(modification[0]).\(modification[1])" }
            return text
        }
    }

    var entries: [String: Entry] = [:]
    /// Regular files by (filesystem, inode), for hard links.
    var inodes: [String: [UInt64]] = [:]

    /// Every entry below `path` ("" is not one), keyed by its path relative to it.
    static func take(_ path: String, times: Times = .all, skipping: Set<String> = []) throws -> TreeSnapshot {
        var snapshot = TreeSnapshot()
        try snapshot.walk(RootedDirectory(path: path), prefix: "", times: times, skipping: skipping)
        return snapshot
    }

    private mutating func walk(_ directory: RootedDirectory, prefix: String, times: Times, skipping: Set<String>) throws {
        for name in try directory.entries() {
            let path = prefix + String(decoding: name, as: UTF8.self)
            if skipping.contains(path) { continue }
            guard let status = try directory.status(name) else { continue }
            let keepTime = times == .all || (times == .nonDirectories && status.kind != .directory)
            var entry = Entry(
                kind: status.kind, permissions: status.permissions, uid: status.uid, gid: status.gid,
                size: status.kind == .regular ? status.size : 0,
                xattrs: try directory.extendedAttributes(name),
                modification: keepTime ? [status.modificationSeconds, status.modificationNanoseconds] : nil
            )
            switch status.kind {
            case .regular:
                entry.content = try directory.read(name, limit: 64 << 20)
                inodes[path] = [status.filesystem, status.inode, status.links]
            case .symbolicLink:
                entry.target = try directory.readLink(name)
            case .characterDevice, .blockDevice:
                entry.device = [status.deviceMajor, status.deviceMinor]
            case .directory:
                try walk(directory.directory(name), prefix: path + "/", times: times, skipping: skipping)
            case .fifo, .socket:
                break
            }
            entries[path] = entry
        }
    }

    /// Sets of paths that are one file (regular files with more than one link).
    var hardlinkGroups: Set<Set<String>> {
        var groups: [[UInt64]: Set<String>] = [:]
        for (path, inode) in inodes where inode[2] > 1 {
            groups[Array(inode[0...1]), default: []].insert(path)
        }
        return Set(groups.values)
    }

    /// Each path whose entry differs, is missing or is extra, described; empty when equal.
    func differences(from expected: TreeSnapshot) -> [String] {
        var found: [String] = []
        for path in Set(entries.keys).union(expected.entries.keys).sorted() {
            switch (entries[path], expected.entries[path]) {
            case let (actual?, wanted?) where actual != wanted:
                found.append("\(path): \(actual), expected \(wanted)")
            case (nil, let wanted?):
                found.append("\(path): missing, expected \(wanted)")
            case (let actual?, nil):
                found.append("\(path): \(actual), not expected")
            default:
                break
            }
        }
        return found
    }
}
