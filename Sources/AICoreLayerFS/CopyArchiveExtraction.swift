import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// Applies a tar that `cp` carries to a directory: into an instance (the agent, at a directory
/// resolved inside the instance's root) or onto the host (the CLI, for a copy out).
///
/// The archive is read twice. The first pass only looks: an absolute name or any `..`
/// component (`LayerPath`'s rules), a device node, a fifo, a socket, a hard link to anything
/// the archive did not name before, or an entry below one of the archive's own symlinks refuses
/// the whole archive (`.badRequest`) before anything is written. The second pass makes each
/// entry with the `*at` calls of `RootedDirectory`, by single name in its parent, and the
/// parents are reached from the destination one component at a time with no symlink followed
/// (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a symlink already in the destination is
/// never written through either (ELOOP, refused). An entry already there is replaced, a
/// directory merged into, as Docker's copy does.
///
/// Ownership is the archive's only with `keepingOwners` (`cp -a`); otherwise what is made
/// belongs to whoever extracts (the agent: root). setuid and setgid bits are dropped unless
/// `keepingOwners`.
public enum CopyArchiveExtraction {
    /// What was made.
    public struct Result: Sendable, Equatable {
        public var entries = 0
        public var bytes: UInt64 = 0
    }

    /// Extracts the tar at `archive` into `destination`. `renamingTop`: the first component of
    /// every name becomes this one (a copy that takes a new name on arrival, `cp a b`).
    public static func extract(_ archive: String, into destination: RootedDirectory, renamingTop: [UInt8]? = nil,
                               keepingOwners: Bool) throws(AICoreError) -> Result {
        let entries = try plan(archive, renamingTop: renamingTop)
        let reader = try ArchiveReader(path: archive, name: "the archive")
        var result = Result()
        var directoryTimes: [([UInt8], timespec)] = []
        var index = 0
        while let entry = try reader.next() {
            defer { index += 1 }
            guard let planned = entries[index] else { continue }
            try make(entry, at: planned.path, linkTarget: planned.linkTarget, in: destination, reader: reader, keepingOwners: keepingOwners, directoryTimes: &directoryTimes)
            result.entries += 1
            if entry.kind == .file { result.bytes += entry.size }
        }
        // Last, deepest first: making an entry in a directory changes its time.
        for (path, time) in directoryTimes.reversed() {
            do {
                let directory = path.isEmpty ? destination : try destination.directory(path)
                try directory.setTimes(named: nil, access: time, modification: time)
            } catch {
                throw failure(error, path: path, destination: destination)
            }
        }
        return result
    }

    /// The first pass: each entry's path below the destination (nil: the root itself, which
    /// carries nothing to make), or the refusal of the whole archive.
    static func plan(_ archive: String, renamingTop: [UInt8]?) throws(AICoreError) -> [Planned?] {
        let reader = try ArchiveReader(path: archive, name: "the archive")
        var paths: [Planned?] = []
        var named = Set<[UInt8]>()
        var symlinks = Set<[UInt8]>()
        while let entry = try reader.next() {
            let shown = entry.path
            var path: LayerPath
            do {
                path = try LayerPath(parsing: entry.pathBytes)
            } catch {
                throw refusal("its entry \(shown) names a path outside the destination (an absolute name or a `..`)")
            }
            if let renamingTop, !path.isRoot {
                path = LayerPath(components: [renamingTop] + path.components.dropFirst())
            }
            var linkTarget: LayerPath?
            switch entry.kind {
            case .file, .directory, .symlink:
                break
            case .hardlink:
                let target: LayerPath
                do {
                    target = try LayerPath(parsing: entry.linkTargetBytes ?? [])
                } catch {
                    throw refusal("its hard link \(shown) points outside the destination")
                }
                let renamed = renamingTop.map { top in target.isRoot ? target : LayerPath(components: [top] + target.components.dropFirst()) } ?? target
                guard named.contains(renamed.bytes), !symlinks.contains(renamed.bytes) else {
                    throw refusal("its hard link \(shown) points to \(entry.linkTarget ?? ""), which it does not hold as a file before it")
                }
                linkTarget = renamed
            case .characterDevice, .blockDevice, .fifo, .other:
                throw refusal("it holds \(shown), a \(entry.kind); cp makes only files, directories and links")
            }
            // Nothing is written through a link, the archive's own included.
            for depth in 1..<max(path.components.count, 1) where symlinks.contains(Array(path.components.prefix(depth).joined(separator: [UInt8(ascii: "/")]))) {
                throw refusal("its entry \(shown) is below one of its own symlinks")
            }
            if path.isRoot {
                guard entry.kind == .directory else { throw refusal("its entry \(shown) would replace the destination itself") }
                paths.append(nil)
                continue
            }
            named.insert(path.bytes)
            if entry.kind == .symlink { symlinks.insert(path.bytes) } else { symlinks.remove(path.bytes) }
            paths.append(Planned(path: path, linkTarget: linkTarget))
        }
        return paths
    }

    /// Where the first pass put an entry, and a hard link's target, both below the destination.
    struct Planned {
        var path: LayerPath
        var linkTarget: LayerPath?
    }

    private static func make(_ entry: ArchiveEntry, at path: LayerPath, linkTarget: LayerPath?, in destination: RootedDirectory, reader: ArchiveReader,
                             keepingOwners: Bool, directoryTimes: inout [([UInt8], timespec)]) throws(AICoreError) {
        guard let name = path.name else { return }
        let time = timespec(tv_sec: time_t(entry.modificationTime.seconds), tv_nsec: Int(entry.modificationTime.nanoseconds))
        // setuid, setgid: only what `-a` keeps (with its owner); sticky and the rest always.
        let mode = mode_t(entry.permissions & (keepingOwners ? 0o7777 : 0o1777))
        let owner: (uid: UInt32, gid: UInt32)? = keepingOwners ? (uid: UInt32(clamping: max(entry.uid, 0)), gid: UInt32(clamping: max(entry.gid, 0))) : nil
        do {
            let parent = path.parent.isRoot ? destination : try destination.directory(path.parent.bytes)
            let existing = try parent.status(name)
            if let existing {
                if existing.kind == .directory && entry.kind != .directory {
                    throw SystemError(code: .invalidArgument, errno: EISDIR, operation: "replace \(path.display)",
                                      detail: "a directory is there; cp does not replace a directory with a \(entry.kind)")
                }
                if existing.kind != .directory { try parent.remove(named: name) }
            }
            switch entry.kind {
            case .directory:
                if existing?.kind != .directory { try parent.makeDirectory(named: name, mode: 0o700) }
                let directory = try parent.directory(name)
                if let owner { try directory.setOwner(named: nil, uid: owner.uid, gid: owner.gid) }
                try directory.setPermissions(named: nil, mode)
                directoryTimes.append((path.bytes, time))
            case .file:
                let fd = try parent.createFile(named: name, mode: 0o600)
                defer { close(fd) }
                let shown = "\(parent.path)/\(String(decoding: name, as: UTF8.self))"
                var failed: SystemError?
                do {
                    try reader.readChunks { (chunk) throws(AICoreError) in
                        do throws(SystemError) {
                            try FileIO.writeAll(fd, chunk, path: shown)
                        } catch {
                            failed = error
                            throw AICoreError(.internalError, "\(error)")
                        }
                    }
                } catch {
                    if let failed { throw failed }
                    throw error
                }
                if let owner, fchown(fd, owner.uid, owner.gid) != 0 { throw SystemError.last("chown \(shown)") }
                // After chown, which clears setuid and setgid.
                guard fchmod(fd, mode) == 0 else { throw SystemError.last("chmod \(shown)") }
                let times = [time, time]
                guard futimens(fd, times) == 0 else { throw SystemError.last("set times of \(shown)") }
            case .symlink:
                try parent.makeSymbolicLink(named: name, target: entry.linkTargetBytes ?? [])
                if let owner { try parent.setOwner(named: name, uid: owner.uid, gid: owner.gid) }
                try parent.setTimes(named: name, access: time, modification: time)
            case .hardlink:
                guard let renamed = linkTarget, let targetName = renamed.name else { return }
                let targetParent = renamed.parent.isRoot ? destination : try destination.directory(renamed.parent.bytes)
                try parent.makeHardLink(named: name, to: targetName, in: targetParent)
            case .characterDevice, .blockDevice, .fifo, .other:
                return  // Refused by the plan.
            }
        } catch let error as SystemError {
            throw failure(error, path: path.bytes, destination: destination)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cp: \(error)")
        }
    }

    private static func refusal(_ why: String) -> AICoreError {
        AICoreError(.badRequest, "cp refuses the archive: \(why); nothing was written")
    }

    /// A failed write, said the way the user can act on it.
    static func failure(_ error: SystemError, path: [UInt8], destination: RootedDirectory) -> AICoreError {
        let shown = String(decoding: path, as: UTF8.self)
        let context = ["path": shown, "destination": destination.path]
        switch error.errno {
        case EROFS:
            return AICoreError(.conflict, "cannot write \(shown): the destination is on a read-only filesystem", cause: error, context: context)
        case ELOOP:
            return AICoreError(.conflict, "cannot write \(shown): a symlink is in the way (cp never writes through one)", cause: error, context: context)
        case ENOSPC, EDQUOT:
            return AICoreError(.conflict, "cannot write \(shown): no space left on the destination", cause: error, context: context)
        case EISDIR, ENOTDIR, EEXIST:
            return AICoreError(.conflict, "cannot write \(shown): \(error.detail ?? "something else is in the way")", cause: error, context: context)
        default:
            return AICoreError(.internalError, "cannot write \(shown): \(error)", cause: error, context: context)
        }
    }
}

extension LayerPath {
    /// The path for messages.
    var display: String { String(decoding: bytes, as: UTF8.self) }
}
