import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// Extracts an image archive (`docker save`, skopeo's `docker-archive:` and `oci-archive:`)
/// into an empty directory, for the loader to read as plain files: manifest.json, configs, layer
/// tars, or an OCI layout.
///
/// The archive is as untrusted as a layer, and what is extracted is read later by path, so the
/// tree holds only directories and regular files the agent owns (0755 and 0644, whatever the
/// archive says): no symlink, device or fifo, no setuid bit. The symlinks such archives carry
/// (`<id>/layer.tar -> ../<digest>.tar`) become hard links to the file they name, once that is
/// found inside the archive; one that names anything else refuses the archive, as does a name
/// that is absolute or has a `..` component. Every write goes through `RootedDirectory`.
public enum ArchiveExtraction {
    public static func extract(_ archive: String, into directory: String) throws(AICoreError) {
        let opened: RootedDirectory?
        do {
            opened = try RootedDirectory.openEmpty(path: directory)
        } catch {
            throw AICoreError(.systemCall, "cannot extract \(archive): \(error)", cause: error, context: ["archive": archive])
        }
        guard let root = opened else {
            throw AICoreError(.conflict, "cannot extract \(archive): \(directory) is not empty", context: ["archive": archive])
        }
        let reader = try ArchiveReader(path: archive, name: "archive \(archive)")
        var symlinks: [(path: LayerPath, target: [UInt8], entry: [UInt8])] = []
        while let entry = try reader.next() {
            let path: LayerPath
            do {
                path = try LayerPath(parsing: entry.pathBytes)
            } catch {
                throw refusal(archive, entry.pathBytes, "names a path outside the archive")
            }
            guard let name = path.name else { continue }
            switch entry.kind {
            case .directory:
                try attempt(archive, entry.pathBytes) { () throws(SystemError) in
                    _ = try directories(path.components, in: root)
                }
            case .file:
                let parent = try attempt(archive, entry.pathBytes) { () throws(SystemError) in
                    try directories(path.parent.components, in: root)
                }
                try write(entry, from: reader, named: name, in: parent, archive: archive)
            case .hardlink:
                try link(path, to: entry.linkTargetBytes ?? [], in: root, archive: archive, entry: entry.pathBytes)
            case .symlink:
                symlinks.append((path, entry.linkTargetBytes ?? [], entry.pathBytes))
            default:
                throw refusal(archive, entry.pathBytes, "is a \(entry.kind), which an image archive has no use for")
            }
        }
        _ = try reader.finish()
        // In rounds, so that a link to a link is made once the link it names is.
        while !symlinks.isEmpty {
            var left: [(path: LayerPath, target: [UInt8], entry: [UInt8])] = []
            for symlink in symlinks {
                guard let target = resolve(symlink.target, from: symlink.path.parent),
                      try attempt(archive, symlink.entry, { () throws(SystemError) in try existingFile(target, in: root) }) != nil else {
                    left.append(symlink)
                    continue
                }
                try link(symlink.path, to: target.bytes, in: root, archive: archive, entry: symlink.entry)
            }
            if left.count == symlinks.count, let stuck = left.first {
                throw refusal(archive, stuck.entry, "is a symlink to \(LayerRefusal.quoted(stuck.target)), which is no file of the archive")
            }
            symlinks = left
        }
    }

    /// The directories `components` beneath `root`, made (0755) where missing.
    private static func directories(_ components: [[UInt8]], in root: RootedDirectory) throws(SystemError) -> RootedDirectory {
        var current = root
        for component in components {
            do {
                current = try current.directory(component)
            } catch where error.errno == ENOENT {
                try current.makeDirectory(named: component, mode: 0o755)
                try current.setPermissions(named: component, 0o755)
                current = try current.directory(component)
            }
        }
        return current
    }

    private static func write(_ entry: ArchiveEntry, from reader: ArchiveReader, named name: [UInt8], in parent: RootedDirectory,
                              archive: String) throws(AICoreError) {
        let fd = try attempt(archive, entry.pathBytes) { () throws(SystemError) in
            // A later entry replaces an earlier file, as tar does; never a directory.
            if try parent.status(name)?.kind == .regular { try parent.remove(named: name) }
            let fd = try parent.createFile(named: name, mode: 0o644)
            guard fchmod(fd, 0o644) == 0 else {
                close(fd)
                throw .last("chmod \(parent.path)/\(entry.path)")
            }
            return fd
        }
        defer { close(fd) }
        try reader.readBlocks { (block, offset) throws(AICoreError) in
            do throws(SystemError) {
                try FileIO.writeAll(fd, block, at: Int64(offset), path: "\(parent.path)/\(entry.path)")
            } catch {
                throw failure(archive, entry.pathBytes, error)
            }
        }
        try attempt(archive, entry.pathBytes) { () throws(SystemError) in
            guard ftruncate(fd, off_t(entry.size)) == 0 else { throw .last("truncate \(parent.path)/\(entry.path)") }
        }
    }

    /// A hard link at `path` to the regular file `target` (an archive path) already extracted.
    private static func link(_ path: LayerPath, to target: [UInt8], in root: RootedDirectory, archive: String,
                             entry: [UInt8]) throws(AICoreError) {
        guard let targetPath = try? LayerPath(parsing: target), let name = path.name,
              let (targetParent, targetName) = try attempt(archive, entry, { () throws(SystemError) in try existingFile(targetPath, in: root) })
        else {
            throw refusal(archive, entry, "links to \(LayerRefusal.quoted(target)), which is no file of the archive")
        }
        try attempt(archive, entry) { () throws(SystemError) in
            let parent = try directories(path.parent.components, in: root)
            if try parent.status(name)?.kind == .regular { try parent.remove(named: name) }
            try parent.makeHardLink(named: name, to: targetName, in: targetParent)
        }
    }

    /// The directory holding `path` and its name there, when `path` is a regular file; nil when
    /// it is missing or anything else, its parents included (nothing is made to find out).
    private static func existingFile(_ path: LayerPath, in root: RootedDirectory) throws(SystemError) -> (RootedDirectory, [UInt8])? {
        guard let name = path.name else { return nil }
        do {
            let parent = path.parent.isRoot ? root : try root.directory(path.parent.bytes)
            return try parent.status(name)?.kind == .regular ? (parent, name) : nil
        } catch where [ENOENT, ENOTDIR, ELOOP].contains(error.errno) {
            return nil
        }
    }

    /// A symlink's target, as a path beneath the root, read from the directory `base` that
    /// holds the link; nil when it is absolute or climbs above the root.
    static func resolve(_ target: [UInt8], from base: LayerPath) -> LayerPath? {
        guard target.first != UInt8(ascii: "/") else { return nil }
        var components = base.components
        for component in target.split(separator: UInt8(ascii: "/")) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if components.popLast() == nil { return nil }
                continue
            }
            components.append(Array(component))
        }
        return components.isEmpty ? nil : LayerPath(components: components)
    }

    @discardableResult
    private static func attempt<T>(_ archive: String, _ entry: [UInt8], _ body: () throws(SystemError) -> T) throws(AICoreError) -> T {
        do {
            return try body()
        } catch {
            throw failure(archive, entry, error)
        }
    }

    private static func refusal(_ archive: String, _ entry: [UInt8], _ reason: String) -> AICoreError {
        AICoreError(
            .invalidImage,
            "archive \(archive): entry \(LayerRefusal.quoted(entry)) \(reason); refused",
            context: ["archive": archive, "entry": String(decoding: entry, as: UTF8.self)]
        )
    }

    private static func failure(_ archive: String, _ entry: [UInt8], _ error: SystemError) -> AICoreError {
        let code: AICoreError.Code = [ELOOP, ENOTDIR, EISDIR, EXDEV, EEXIST].contains(error.errno) ? .invalidImage : .systemCall
        return AICoreError(
            code,
            "archive \(archive): entry \(LayerRefusal.quoted(entry)): \(error)",
            cause: error,
            context: ["archive": archive, "entry": String(decoding: entry, as: UTF8.self)]
        )
    }
}
