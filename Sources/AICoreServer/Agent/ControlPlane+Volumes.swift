import AICoreErrors
import AICoreController
import AICoreSpec
import AICoreStore
import AICoreSupervisor

extension ControlPlane {
    /// Every volume on the node, by name (of one stack when given): the recorded ones, and the
    /// directories under `volumes/` that no record names (without a stack). Declared volumes
    /// an older agent made are adopted first (`VolumeAdoption`).
    public func volumes(stack: String? = nil) async throws(AICoreError) -> [VolumeStatus] {
        let all = try await volumeInventory()
        return stack.map { name in all.filter { $0.stack == name } } ?? all
    }

    public func volume(named name: String) async throws(AICoreError) -> VolumeStatus {
        guard let volume = try await volumeInventory().first(where: { $0.name == name }) else {
            throw AICoreError(.notFound, "no volume \(name) on this node; `aicore-node volume ls` lists the volumes")
        }
        return volume
    }

    /// Removes a volume that nothing on the node uses (`volume rm`): 409 naming the stack
    /// while a stack still on the node mounts it.
    public func removeVolume(named name: String) async throws(AICoreError) -> VolumeRemoval {
        let volume = try await volume(named: name)
        if let user = volume.inUseBy {
            let services = desired[user].map { Self.services(of: $0, mounting: volume) } ?? []
            let which = services.isEmpty ? "" : " (\(services.count == 1 ? "service" : "services") \(services.joined(separator: ", ")))"
            throw AICoreError(.conflict, "volume \(name) is in use by stack \(user)\(which); remove it after `aicore-node down -p \(user)`")
        }
        return try await remove([volume])
    }

    /// Removes every volume of a stack that is no longer on the node, and every directory under
    /// `volumes/` that no stack on it owns (`volume prune`, Docker's "not used by any container").
    public func pruneVolumes() async throws(AICoreError) -> VolumeRemoval {
        let onNode = try await stacksOnNode()
        let unused = try await volumeInventory().filter { volume in
            guard volume.inUseBy == nil else { return false }
            return volume.stack.map { !onNode.contains($0) } ?? true
        }
        return try await remove(unused)
    }

    private func remove(_ volumes: [VolumeStatus]) async throws(AICoreError) -> VolumeRemoval {
        var removal = VolumeRemoval()
        for volume in volumes {
            do {
                removal.bytesFreed += try await agent.removeVolume(path: volume.path)
                if volume.stack != nil { try await store.deleteVolume(named: volume.name) }
            } catch let error as AICoreError {
                throw error
            } catch {
                throw AICoreError(.internalError, "cannot remove volume \(volume.name): \(error)", cause: error)
            }
            removal.removed.append(volume.name)
        }
        return removal
    }

    /// The stacks the node has: recorded ones, and any whose first apply is under way.
    private func stacksOnNode() async throws(AICoreError) -> Set<String> {
        return Set(try await store.stacks().map(\.name)).union(desired.keys)
    }

    private func volumeInventory() async throws(AICoreError) -> [VolumeStatus] {
        let onNode = try await stacksOnNode()
        do {
            var records = try await store.volumes(stack: nil)
            let directories = try await agent.volumeDirectories()
            let recorded = Set(records.map(\.name))
            for stack in desired.values {
                for record in VolumeAdoption.records(for: stack, directories: directories, recorded: recorded) {
                    try await store.saveVolume(record)
                    records.append(record)
                }
            }
            return Self.volumeStatuses(records: records, directories: directories, stacksOnNode: onNode, applied: desired)
        } catch let error as AICoreError {
            throw error
        } catch {
            throw AICoreError(.internalError, "cannot list the volumes: \(error)", cause: error)
        }
    }

    /// The volumes, by name: each record (its directory may be gone, removed by hand), and
    /// each directory without one. A recorded volume is in use while its stack is applied and
    /// a service of it mounts the volume; a directory without a record, while a stack on the
    /// node has a name it starts with (`<stack>_`): it may be that stack's anonymous volume or
    /// one of its volumes not adopted yet, and that is never removed by guess.
    static func volumeStatuses(records: [VolumeRecord], directories: [VolumeDirectory], stacksOnNode: Set<String>,
                               applied: [String: Stack]) -> [VolumeStatus] {
        let recorded = Set(records.map(\.name))
        var result = records.map { record in
            let user = applied[record.stack].flatMap { stack in
                services(of: stack, mounting: record.key).isEmpty ? nil : stack.name
            }
            return VolumeStatus(name: record.name, stack: record.stack, key: record.key, path: record.path, uid: record.uid,
                                gid: record.gid, labels: record.labels, createdAt: record.createdAt, inUseBy: user)
        }
        for directory in directories where !recorded.contains(directory.name) {
            let owner = stacksOnNode.filter { directory.name.hasPrefix(SupervisorLayout.volumeName(stack: $0, volume: "")) }
                .max { $0.count < $1.count }
            result.append(VolumeStatus(name: directory.name, stack: nil, key: nil, path: directory.path, uid: directory.uid,
                                       gid: directory.gid, createdAt: nil, inUseBy: owner))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The services of `stack` that mount its volume `key`.
    static func services(of stack: Stack, mounting key: String) -> [String] {
        stack.services.filter { service in service.volumes.contains { $0.kind == .volume && $0.source == key } }.map(\.name)
    }

    static func services(of stack: Stack, mounting volume: VolumeStatus) -> [String] {
        volume.stack == stack.name ? volume.key.map { services(of: stack, mounting: $0) } ?? [] : []
    }
}
