import AICoreErrors
import AICoreSystem
import Foundation

/// Named volumes on the host: plain directories under the layout's `volumes/`, made once and
/// owned by the service's user so a non-root workload can write to them. Every call blocks
/// (mkdir, chown, a walk of the tree): callers on an actor reach them through `BlockingWork`.
public enum VolumeDirectories {
    /// The directory that holds the volumes is root's alone (0700): an instance reaches its
    /// volume through its bind, never through this path, and nobody else needs to.
    public static let rootMode: mode_t = 0o700

    /// Makes `path` (0755, owned by `uid:gid`) and its parent (`rootMode`) when missing.
    public static func create(path: String, uid: UInt32, gid: UInt32) throws(AICoreError) {
        do {
            try FileIO.makeDirectories((path as NSString).deletingLastPathComponent, mode: rootMode)
            try FileIO.makeDirectories(path, mode: 0o755)
            try FileIO.own(path, uid: uid, gid: gid, mode: 0o755)
        } catch {
            throw AICoreError(code: .volume, message: "cannot create the volume directory \(path) owned by \(uid):\(gid): \(error); check that the agent runs as root and the state directory is writable", cause: error)
        }
    }

    /// Removes a volume's directory and everything in it; returns the bytes it took on disk.
    @discardableResult
    public static func remove(path: String) throws(AICoreError) -> UInt64 {
        let bytes = FileIO.diskUsage(path)
        do {
            try FileIO.removeTree(path)
        } catch {
            throw AICoreError(code: .volume, message: "cannot remove the volume directory \(path): \(error)", cause: error)
        }
        return bytes
    }

    /// Every directory directly under `directory` (symlinks and files are no volumes), by name;
    /// none when it does not exist yet.
    public static func list(in directory: String) throws(AICoreError) -> [VolumeDirectory] {
        guard FileIO.isDirectory(directory) else { return [] }
        let names: [String]
        do {
            names = try FileIO.entries(of: directory)
        } catch {
            throw AICoreError(code: .volume, message: "cannot list the volumes in \(directory): \(error)", cause: error)
        }
        return names.sorted().compactMap { name in
            let path = directory + "/" + name
            guard !FileIO.isSymbolicLink(path), FileIO.isDirectory(path), let owner = FileIO.owner(path) else { return nil }
            return VolumeDirectory(name: name, path: path, uid: owner.uid, gid: owner.gid)
        }
    }
}
