import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// Applies one layer's entries, in archive order, to the layer's own directory, in the form
/// overlayfs stacks (the OCI image spec's "Applying changesets", with whiteouts as overlayfs
/// whiteouts):
/// - `.wh.NAME` becomes a 0/0 character device NAME, `.wh..wh..opq` the xattr
///   `trusted.overlay.opaque=y` on its directory; neither whiteout file is written;
/// - a later entry for a path replaces what is there, except that a directory over a directory
///   keeps its contents and takes the new metadata; a directory that replaces a whiteout of this
///   layer is made opaque, since the layer deleted what lower layers had there;
/// - parent directories the archive does not list are made 0755 root:root.
///
/// Every parent is reached from the root one component at a time with openat2 (beneath, no
/// symlinks), and each change is a single-name *at call on that parent that follows nothing.
/// An entry that would leave the directory is refused (`LayerRefusal`) before it is written.
struct LayerApplication {
    let root: RootedDirectory
    let layer: String
    private(set) var skippedExtendedAttributes = 0
    private(set) var skippedEntries = 0
    /// `./.wh..wh..opq`: overlayfs reads no opaque flag on a layer's root, so the caller must
    /// stack nothing under this layer instead.
    private(set) var opaqueRoot = false
    /// Set last, since every entry made in a directory changes its times; keyed by path.
    private var directoryTimes: [[UInt8]: [timespec]] = [:]

    private static let whiteoutPrefix = Array(".wh.".utf8)
    private static let opaqueMarker = Array(".wh..opq".utf8)
    private static let opaqueKey = "trusted.overlay.opaque"

    init(root: RootedDirectory, layer: String) {
        self.root = root
        self.layer = layer
    }

    mutating func apply(_ entry: ArchiveEntry, from reader: ArchiveReader) throws(AICoreError) {
        let path: LayerPath
        do {
            path = try LayerPath(parsing: entry.pathBytes)
        } catch {
            throw refusal(LayerRefusal(error), entry)
        }
        // What the header alone condemns is refused before anything of the entry is written.
        var attributes: [(key: String, value: [UInt8])] = []
        for attribute in entry.extendedAttributes {
            switch ExtendedAttributePolicy.decide(attribute.keyBytes) {
            case .refuse:
                throw refusal(.overlayAttribute(key: attribute.keyBytes), entry)
            case .apply:
                if let key = String(validating: attribute.keyBytes, as: UTF8.self) {
                    attributes.append((key, attribute.value))
                } else {
                    skippedExtendedAttributes += 1
                }
            case .skip:
                skippedExtendedAttributes += 1
            }
        }
        let owners = Int64(0)...Int64(UInt32.max - 1)
        guard owners.contains(entry.uid), owners.contains(entry.gid) else {
            throw refusal(.owner(uid: entry.uid, gid: entry.gid), entry)
        }
        guard let name = path.name else {
            try applyToRoot(entry, attributes: attributes)
            return
        }
        if name.starts(with: Self.whiteoutPrefix) {
            try whiteout(entry, path: path, hidden: Array(name.dropFirst(Self.whiteoutPrefix.count)))
            return
        }
        switch entry.kind {
        case .hardlink:
            try link(entry, path: path, name: name)
        case .other:
            skippedEntries += 1
        default:
            try make(entry, path: path, name: name, attributes: attributes, reader: reader)
        }
    }

    /// Sets the times of every directory the layer listed, now that nothing more is made in them.
    func finish() throws(AICoreError) {
        for (path, times) in directoryTimes {
            do {
                let directory = path.isEmpty ? root : try root.directory(path)
                try directory.setTimes(named: nil, access: times[0], modification: times[1])
            } catch where [ENOENT, ENOTDIR, ELOOP].contains(error.errno) {
                // A later entry replaced it with something else, which has its own times.
            } catch {
                throw failure(error, entry: path)
            }
        }
    }

    // MARK: Entries

    private mutating func applyToRoot(_ entry: ArchiveEntry, attributes: [(key: String, value: [UInt8])]) throws(AICoreError) {
        guard entry.kind == .directory else { throw refusal(.replacesRoot(entry.kind), entry) }
        do {
            try root.setOwner(named: nil, uid: UInt32(entry.uid), gid: UInt32(entry.gid))
            try root.setPermissions(named: nil, mode_t(entry.permissions))
            for (key, value) in attributes { try root.setExtendedAttribute(named: nil, key: key, value: value) }
        } catch {
            throw failure(error, entry: entry.pathBytes)
        }
        directoryTimes[[]] = Self.times(entry)
    }

    private mutating func make(_ entry: ArchiveEntry, path: LayerPath, name: [UInt8],
                               attributes: [(key: String, value: [UInt8])], reader: ArchiveReader) throws(AICoreError) {
        let parent = try parentDirectory(of: path, entry: entry)
        let existing = try attempt(entry) { () throws(SystemError) in
            let existing = try parent.status(name)
            if let existing, !(existing.kind == .directory && entry.kind == .directory) {
                try parent.remove(named: name)
            }
            return existing
        }
        let uid = UInt32(entry.uid), gid = UInt32(entry.gid), mode = mode_t(entry.permissions)
        let times = Self.times(entry)
        switch entry.kind {
        case .directory:
            try attempt(entry) { () throws(SystemError) in
                if existing?.kind != .directory { try parent.makeDirectory(named: name, mode: 0o700) }
                let directory = try parent.directory(name)
                try directory.setOwner(named: nil, uid: uid, gid: gid)
                // After chown, which clears setgid.
                try directory.setPermissions(named: nil, mode)
                for (key, value) in attributes { try directory.setExtendedAttribute(named: nil, key: key, value: value) }
                if let existing, Self.isWhiteout(existing) {
                    try directory.setExtendedAttribute(named: nil, key: Self.opaqueKey, value: Array("y".utf8))
                }
            }
            directoryTimes[path.bytes] = times
        case .file:
            let fd = try attempt(entry) { () throws(SystemError) in try parent.createFile(named: name, mode: 0o600) }
            defer { close(fd) }
            try write(from: reader, to: fd, entry: entry)
            try attempt(entry) { () throws(SystemError) in
                let file = "\(parent.path)/\(String(decoding: name, as: UTF8.self))"
                guard ftruncate(fd, off_t(entry.size)) == 0 else { throw .last("truncate \(file)") }
                guard fchown(fd, uid, gid) == 0 else { throw .last("chown \(uid):\(gid) \(file)") }
                // After chown, which clears setuid, setgid and file capabilities.
                guard fchmod(fd, mode) == 0 else { throw .last("chmod \(String(mode, radix: 8)) \(file)") }
                for (key, value) in attributes { try parent.setExtendedAttribute(named: name, key: key, value: value) }
                guard futimens(fd, times) == 0 else { throw .last("set times of \(file)") }
            }
        case .symlink:
            try attempt(entry) { () throws(SystemError) in
                try parent.makeSymbolicLink(named: name, target: entry.linkTargetBytes ?? [])
                try parent.setOwner(named: name, uid: uid, gid: gid)
                try parent.setTimes(named: name, access: times[0], modification: times[1])
            }
            // The kernel takes no user.* attribute on a symlink, and nothing else applies.
            skippedExtendedAttributes += attributes.count
        case .characterDevice, .blockDevice, .fifo:
            let kind: FileStatus.Kind = entry.kind == .fifo ? .fifo : entry.kind == .blockDevice ? .blockDevice : .characterDevice
            try attempt(entry) { () throws(SystemError) in
                try parent.makeNode(named: name, kind: kind, mode: 0o600, major: entry.deviceMajor, minor: entry.deviceMinor)
                try parent.setOwner(named: name, uid: uid, gid: gid)
                try parent.setPermissions(named: name, mode)
                for (key, value) in attributes { try parent.setExtendedAttribute(named: name, key: key, value: value) }
                try parent.setTimes(named: name, access: times[0], modification: times[1])
            }
        case .hardlink, .other:
            break
        }
    }

    /// Streams the entry's data into `fd`, block by block at libarchive's offsets, so that a
    /// sparse file keeps its holes (`ftruncate` then sets the length past a trailing one).
    private func write(from reader: ArchiveReader, to fd: Int32, entry: ArchiveEntry) throws(AICoreError) {
        try reader.readBlocks { (block, offset) throws(AICoreError) in
            do throws(SystemError) {
                try FileIO.writeAll(fd, block, at: Int64(offset), path: "\(root.path)/\(entry.path)")
            } catch {
                throw failure(error, entry: entry.pathBytes)
            }
        }
    }

    private func link(_ entry: ArchiveEntry, path: LayerPath, name: [UInt8]) throws(AICoreError) {
        let raw = entry.linkTargetBytes ?? []
        let target: LayerPath
        do {
            target = try LayerPath(parsing: raw)
        } catch {
            throw refusal(.hardlinkOutside(target: raw), entry)
        }
        guard let targetName = target.name else { throw refusal(.hardlinkToDirectory(target: raw), entry) }
        // Resolved as strictly as a path to write, and nothing is made on the way: the target
        // is an entry this layer already holds.
        let targetParent: RootedDirectory
        let targetStatus: FileStatus?
        do {
            targetParent = target.parent.isRoot ? root : try root.directory(target.parent.bytes)
            targetStatus = try targetParent.status(targetName)
        } catch {
            switch error.errno {
            case ELOOP: throw refusal(.hardlinkThroughSymlink(target: raw), entry)
            case ENOENT, ENOTDIR: throw refusal(.hardlinkMissing(target: raw), entry)
            case EXDEV: throw refusal(.hardlinkOutside(target: raw), entry)
            default: throw failure(error, entry: entry.pathBytes)
            }
        }
        guard let targetStatus else { throw refusal(.hardlinkMissing(target: raw), entry) }
        guard targetStatus.kind != .directory else { throw refusal(.hardlinkToDirectory(target: raw), entry) }
        if target == path { return }
        let parent = try parentDirectory(of: path, entry: entry)
        do {
            try parent.remove(named: name)
            try parent.makeHardLink(named: name, to: targetName, in: targetParent)
        } catch {
            throw failure(error, entry: entry.pathBytes)
        }
    }

    private mutating func whiteout(_ entry: ArchiveEntry, path: LayerPath, hidden: [UInt8]) throws(AICoreError) {
        if hidden == Self.opaqueMarker {
            if path.parent.isRoot { opaqueRoot = true }
            let directory = try parentDirectory(of: path, entry: entry)
            do {
                try directory.setExtendedAttribute(named: nil, key: Self.opaqueKey, value: Array("y".utf8))
            } catch {
                throw failure(error, entry: entry.pathBytes)
            }
            return
        }
        if hidden.starts(with: Self.whiteoutPrefix) {
            // aufs's own bookkeeping (.wh..wh.plnk, .wh..wh.aufs), as Docker leaves it out.
            skippedEntries += 1
            return
        }
        guard !hidden.isEmpty, hidden != Array(".".utf8), hidden != Array("..".utf8) else {
            throw refusal(.whiteoutOfNothing, entry)
        }
        let parent = try parentDirectory(of: path, entry: entry)
        do {
            // Whatever this layer made there before is gone too, as the whiteout says.
            try parent.remove(named: hidden)
            try parent.makeNode(named: hidden, kind: .characterDevice, mode: 0, major: 0, minor: 0)
        } catch {
            throw failure(error, entry: entry.pathBytes)
        }
    }

    // MARK: Parents

    /// The directory that holds `path`, reached from the root one component at a time, each
    /// opened beneath the one before with no symlink followed. Missing ones are made 0755
    /// root:root; a whiteout of this layer in the way becomes an opaque directory.
    private func parentDirectory(of path: LayerPath, entry: ArchiveEntry) throws(AICoreError) -> RootedDirectory {
        var current = root
        for component in path.parent.components {
            do {
                current = try enter(component, in: current)
            } catch {
                switch error.errno {
                case ELOOP: throw refusal(.throughSymlink, entry)
                case ENOTDIR: throw refusal(.parentNotDirectory, entry)
                case EXDEV: throw refusal(.parentReference, entry)
                default: throw failure(error, entry: entry.pathBytes)
                }
            }
        }
        return current
    }

    /// The directory `name` in `parent`, made when missing (or when a whiteout is in its place).
    private func enter(_ name: [UInt8], in parent: RootedDirectory) throws(SystemError) -> RootedDirectory {
        do {
            return try parent.directory(name)
        } catch where error.errno == ENOENT {
            try makeImplicitDirectory(name, in: parent, opaque: false)
        } catch where error.errno == ENOTDIR {
            guard let status = try parent.status(name), Self.isWhiteout(status) else { throw error }
            try parent.remove(named: name)
            try makeImplicitDirectory(name, in: parent, opaque: true)
        }
        return try parent.directory(name)
    }

    private func makeImplicitDirectory(_ name: [UInt8], in parent: RootedDirectory, opaque: Bool) throws(SystemError) {
        try parent.makeDirectory(named: name, mode: 0o755)
        try parent.setOwner(named: name, uid: 0, gid: 0)
        try parent.setPermissions(named: name, 0o755)
        if opaque { try parent.setExtendedAttribute(named: name, key: Self.opaqueKey, value: Array("y".utf8)) }
    }

    // MARK: Helpers

    private static func isWhiteout(_ status: FileStatus) -> Bool {
        status.kind == .characterDevice && status.deviceMajor == 0 && status.deviceMinor == 0
    }

    /// [access, modification], as utimensat takes them; access is the modification time when
    /// the archive has none (ustar), as Docker does.
    private static func times(_ entry: ArchiveEntry) -> [timespec] {
        let modified = timespec(tv_sec: Int(entry.modificationTime.seconds), tv_nsec: Int(entry.modificationTime.nanoseconds))
        let accessed = entry.accessTime.map { timespec(tv_sec: Int($0.seconds), tv_nsec: Int($0.nanoseconds)) } ?? modified
        return [accessed, modified]
    }

    /// Runs `body`, an OS-level step of applying `entry`, and names the layer and entry in its failure.
    @discardableResult
    private func attempt<T>(_ entry: ArchiveEntry, _ body: () throws(SystemError) -> T) throws(AICoreError) -> T {
        do {
            return try body()
        } catch {
            throw failure(error, entry: entry.pathBytes)
        }
    }

    private func refusal(_ reason: LayerRefusal, _ entry: ArchiveEntry) -> AICoreError {
        reason.error(layer: layer, entry: entry.pathBytes)
    }

    private func failure(_ error: SystemError, entry: [UInt8]) -> AICoreError {
        AICoreError(
            .systemCall,
            "layer \(layer): entry \(LayerRefusal.quoted(entry)): \(error)",
            cause: error,
            context: ["layer": layer, "entry": String(decoding: entry, as: UTF8.self)]
        )
    }
}
