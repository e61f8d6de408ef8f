import AICoreSpec
import AICoreStore
import AICoreSupervisor

/// Named volumes made by an agent from before the Store knew volumes. A directory that is a
/// declared, non-external volume of a stack on the node is adopted: recorded as that stack's,
/// with the directory's owner, and no creation time (nobody saw it made). Any other directory
/// under `volumes/` cannot be told apart from an anonymous volume or a stack whose name holds
/// an `_`, so it is never guessed into a record: `volume ls` lists it with no stack.
public enum VolumeAdoption {
    /// The records to write for `stack`: its declared volumes whose directory is in
    /// `directories` but not in `recorded` (names).
    public static func records(for stack: Stack, directories: [VolumeDirectory], recorded: Set<String>) -> [VolumeRecord] {
        let onDisk = Dictionary(directories.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return stack.volumes.filter { !$0.external }.compactMap { volume in
            let name = SupervisorLayout.volumeName(stack: stack.name, volume: volume.key)
            guard !recorded.contains(name), let directory = onDisk[name] else { return nil }
            return VolumeRecord(name: name, stack: stack.name, key: volume.key, path: directory.path, uid: directory.uid,
                                gid: directory.gid, labels: volume.labels, createdAt: nil)
        }
    }
}
