import AICoreErrors
import AICoreOS
import AICoreSystem

extension LinuxTaskDriver {
    /// The secrets' and configs' destinations, normalized by the rule mounts follow, each used
    /// once: checked before anything of the instance is made.
    static func checkedFiles(_ files: [InstanceFile]) throws -> [InstanceFile] {
        var destinations = Set<String>()
        var checked: [InstanceFile] = []
        for file in files {
            var normalized = file
            do {
                normalized.destination = try MountSpec.checkedDestination(file.destination, in: file.destination)
            } catch {
                throw AICoreError(code: .invalidSpec, message: error.description, cause: error)
            }
            guard destinations.insert(normalized.destination).inserted else {
                throw AICoreError(code: .invalidSpec, message: "two secrets or configs are mounted at \(normalized.destination)")
            }
            checked.append(normalized)
        }
        return checked
    }

    /// Gives the mount plan the instance's secrets and configs, each owned by the workload's
    /// user unless it names an owner, and an empty staging directory in the state directory for
    /// the tmpfs they are copied into.
    func stageFiles(_ files: [InstanceFile], owner: UserIdentity, stateDirectory: String,
                    into options: inout MountPlan.Options) throws {
        guard !files.isEmpty else { return }
        options.files = files.map { file in
            var owned = file
            owned.uid = file.uid ?? owner.uid
            owned.gid = file.gid ?? owner.gid
            return owned
        }
        let staging = stateDirectory + "/files"
        try FileIO.makeDirectories(staging, mode: 0o700)
        options.filesStaging = staging
    }
}
