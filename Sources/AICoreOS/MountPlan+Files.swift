#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

extension MountPlan {
    /// Secrets and configs: a tmpfs of the instance's own is mounted at the staging directory
    /// (a host path, in the instance's mount namespace only), each file is written there with
    /// its owner and mode, the tmpfs goes read-only, and each file is bound read-only at its
    /// destination. The staging mount leaves with the host's tree at pivot_root: the workload
    /// holds the bound files and no path to the tmpfs's root, let alone to the host files the
    /// contents were read from.
    static func fileOperations(_ o: Options) -> [Operation] {
        guard let staging = o.filesStaging, !o.files.isEmpty else { return [] }
        var ops: [Operation] = []
        let page = 4096
        let size = o.files.reduce(page) { $0 + ($1.content.count + page - 1) / page * page + page }
        ops.append(Operation(kind: .mount, source: "tmpfs", target: staging, fstype: "tmpfs", data: "mode=700,size=\(size)",
                             flags: UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), mode: 0, optional: false,
                             description: "mount the tmpfs of secrets and configs", targetResolution: .host))
        for (index, file) in o.files.enumerated() {
            var write = Operation(kind: .writeFile, source: nil, target: "\(staging)/\(index)", fstype: nil, data: nil, flags: 0,
                                  mode: file.mode, optional: false, description: "write the copy for \(file.destination)",
                                  targetResolution: .host)
            write.content = file.content
            write.uid = file.uid ?? 0
            write.gid = file.gid ?? 0
            ops.append(write)
        }
        ops.append(Operation(kind: .setReadOnly, source: nil, target: staging, fstype: nil, data: nil, flags: mountAttrReadOnly,
                             mode: 0, optional: false, description: "remount the tmpfs of secrets and configs read-only",
                             targetResolution: .host))
        for (index, file) in o.files.enumerated() {
            let target = file.destination
            let components = target.split(separator: "/")
            // Parents as for a volume's target: on the host's read-only root an existing one is
            // fine (EEXIST), a missing one fails the start (the loader warned about it).
            for depth in components.indices.dropLast() {
                let parent = "/" + components[...depth].joined(separator: "/")
                ops.append(Operation(kind: .mkdir, source: nil, target: parent, fstype: nil, data: nil, flags: 0, mode: 0o755,
                                     optional: false, description: "mkdir \(parent)"))
            }
            ops.append(Operation(kind: .mkfile, source: nil, target: target, fstype: nil, data: nil, flags: 0, mode: 0o644,
                                 optional: false, description: "create \(target)"))
            ops.append(Operation(kind: .mount, source: "\(staging)/\(index)", target: target, fstype: nil, data: nil,
                                 flags: UInt(MS_BIND), mode: 0, optional: false, description: "bind the copy to \(target)",
                                 sourceResolution: .host))
            ops.append(Operation(kind: .setReadOnly, source: nil, target: target, fstype: nil, data: nil, flags: mountAttrReadOnly,
                                 mode: 0, optional: false, description: "remount \(target) read-only"))
        }
        return ops
    }
}
