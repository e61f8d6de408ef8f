import AICoreErrors
import Foundation
import AICoreOS

/// Named volumes on the host: plain directories, made once and owned by the service's user so
/// a non-root workload can write to them.
public enum VolumeDirectories {
    /// The directory that holds the volumes is root's alone (0700): an instance reaches its
    /// volume through its bind, never through this path, and nobody else needs to.
    public static let rootMode: mode_t = 0o700

    public static func create(_ volume: VolumePlan) throws(AICoreError) {
        do {
            try FileIO.makeDirectories((volume.path as NSString).deletingLastPathComponent, mode: rootMode)
            try FileIO.makeDirectories(volume.path, mode: 0o755)
            try FileIO.own(volume.path, uid: volume.uid, gid: volume.gid, mode: 0o755)
        } catch {
            throw AICoreError(code: .volume, message: "cannot create \(volume): \(error); check that the agent runs as root and the state directory is writable", cause: error)
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

    /// Resolves a service's `user:` in the host's /etc/passwd and /etc/group (services run
    /// from the host root filesystem), as the runtime does: nil is root.
    public static func hostUser(_ user: String?, root: String = "/") throws -> (uid: UInt32, gid: UInt32) {
        guard let user else { return (0, 0) }
        let passwd = (try? FileIO.readString(root + "etc/passwd")) ?? ""
        let group = (try? FileIO.readString(root + "etc/group")) ?? ""
        let identity = try UserIdentity.resolve(user, passwd: passwd, group: group)
        return (identity.uid, identity.gid)
    }
}
