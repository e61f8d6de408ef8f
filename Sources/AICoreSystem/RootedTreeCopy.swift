#if canImport(Glibc)
import Glibc
#endif

/// Copies a tree that someone else wrote into a directory of ours, as Docker fills a new volume
/// with what the image holds at the volume's path (moby's `copyExistingContents`).
///
/// The source is untrusted (an image's layers: the CVE-2022-23648 class of escape), so the copy
/// works on descriptors only, through `RootedDirectory`: the source is walked one name at a time
/// and nothing there is followed; a symlink is copied as a symlink with its target verbatim,
/// never resolved, and each entry is made in the destination directory's descriptor with
/// `O_EXCL | O_NOFOLLOW` (or mkdirat, mknodat, symlinkat, which never follow a name).
///
/// What is kept: the kind, owner and group, mode bits with setuid, setgid and sticky, and the
/// modification time (the access time is set to it too) of every entry, and of the destination
/// itself. What is not:
/// - hard links: each name becomes a file of its own, with the same content;
/// - extended attributes (file capabilities, SELinux labels): a volume is bound nosuid, where
///   file capabilities do nothing, and labels are the host's business;
/// - device nodes and sockets, which are skipped and listed in the outcome: a volume is bound
///   nodev, so a device node there would be unusable, and materialising an untrusted image's
///   devices on the host's disk earns nothing; a socket is a live process's, not content.
///   Fifos are copied (an empty node, harmless).
public enum RootedTreeCopy {
    public enum Outcome: Sendable, Equatable {
        /// The tree was copied; `skipped` are the paths (relative to the source, `/`-separated)
        /// of the device nodes and sockets left out.
        case copied(skipped: [String])
        /// The destination held something: it was left exactly as it was.
        case destinationNotEmpty
        /// Nothing to copy at the source path: absent, not a directory, or reached through a
        /// symlink (which a mount at that path refuses too).
        case noSourceDirectory
    }

    /// Directories deeper than this are refused (ELOOP) rather than walked: each level holds two
    /// descriptors and a stack frame, and an image may nest directories without end.
    public static let maximumDepth = 256

    /// Copies what `root` holds at `path` (resolved as an instance inside `root` would name it,
    /// `RootedDirectory.directory(inRoot:)`) into `destination`, when `destination` is empty.
    /// The destination is locked (flock) while it is checked and filled, so two instances
    /// that share it and start together copy once. A copy that fails part way leaves the
    /// destination empty again (best effort), so that the next start tries afresh.
    public static func copyIfEmpty(from root: RootedDirectory, at path: String, into destination: RootedDirectory) throws(SystemError) -> Outcome {
        guard flock(destination.descriptor, LOCK_EX) == 0 else { throw .last("lock \(destination.path)") }
        defer { flock(destination.descriptor, LOCK_UN) }
        guard try destination.entries().isEmpty else { return .destinationNotEmpty }
        let source: RootedDirectory
        do {
            source = try root.directory(inRoot: path)
        } catch where [ENOENT, ENOTDIR, ELOOP].contains(error.errno) {
            return .noSourceDirectory
        }
        do {
            return .copied(skipped: try copy(source, into: destination))
        } catch {
            for name in (try? destination.entries()) ?? [] {
                try? destination.remove(named: name)
            }
            throw error
        }
    }

    /// Copies everything in `source` into `destination` (which should be empty: a name that is
    /// there already fails with EEXIST), then gives `destination` the owner, mode and time of
    /// `source`. Returns the paths skipped (device nodes, sockets).
    public static func copy(_ source: RootedDirectory, into destination: RootedDirectory) throws(SystemError) -> [String] {
        var skipped: [String] = []
        try copyEntries(source, into: destination, prefix: "", depth: 0, skipped: &skipped)
        let status = try RootedDirectory.status(of: source.descriptor, operation: "stat \(source.path)")
        try apply(status, to: destination, named: nil)
        return skipped
    }

    private static func copyEntries(_ source: RootedDirectory, into destination: RootedDirectory, prefix: String, depth: Int,
                                    skipped: inout [String]) throws(SystemError) {
        guard depth < maximumDepth else {
            throw SystemError(errno: ELOOP, operation: "copy \(source.path)", detail: "directories nested deeper than \(maximumDepth) levels")
        }
        for name in try source.entries() {
            // Gone since the listing: nothing to copy.
            guard let status = try source.status(name) else { continue }
            let path = prefix + RootedDirectory.display(name)
            switch status.kind {
            case .directory:
                // Closed to others until its contents and mode are in place.
                try destination.makeDirectory(named: name, mode: 0o700)
                let copy = try destination.directory(name)
                try copyEntries(try source.directory(name), into: copy, prefix: path + "/", depth: depth + 1, skipped: &skipped)
                // After the contents: making them changed the directory's time.
                try apply(status, to: copy, named: nil)
            case .regular:
                let input = try source.openRegularFile(name)
                defer { close(input) }
                let output = try destination.createFile(named: name, mode: 0o600)
                defer { close(output) }
                try FileIO.copyContents(input, to: output, source: source.path + "/" + path, destination: destination.path + "/" + path)
                try apply(status, to: destination, named: name)
            case .symbolicLink:
                try destination.makeSymbolicLink(named: name, target: try source.readLink(name))
                try apply(status, to: destination, named: name)
            case .fifo:
                try destination.makeNode(named: name, kind: .fifo, mode: 0o600)
                try apply(status, to: destination, named: name)
            case .characterDevice, .blockDevice, .socket:
                skipped.append(path)
            }
        }
    }

    /// Owner first (chown clears setuid and setgid), then the mode (a symlink has none of its
    /// own), then the time.
    private static func apply(_ status: FileStatus, to directory: RootedDirectory, named name: [UInt8]?) throws(SystemError) {
        try directory.setOwner(named: name, uid: status.uid, gid: status.gid)
        if status.kind != .symbolicLink {
            try directory.setPermissions(named: name, mode_t(status.permissions))
        }
        let time = timespec(tv_sec: Int(status.modificationSeconds), tv_nsec: Int(status.modificationNanoseconds))
        try directory.setTimes(named: name, access: time, modification: time)
    }
}
