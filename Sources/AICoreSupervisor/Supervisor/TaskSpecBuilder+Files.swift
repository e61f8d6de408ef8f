import AICoreRuntime
import AICoreSpec
import AICoreSystem
import Foundation

extension TaskSpecBuilder {
    /// The largest secret or config an instance gets: each is held in memory (a tmpfs charged
    /// to the instance), so a path to a large file by mistake fails plainly instead.
    static let maximumFileBytes = 1 << 20

    /// The service's secrets and configs, read now, as the instance starts: a changed file
    /// (or variable) takes effect at the next start, restart or rollout. Only where each comes
    /// from is part of the stored spec; a message here names that source, never a value.
    /// `environment`: where `environment:` sources are looked up (the agent's own).
    static func files(for service: Service, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(Failure) -> [InstanceFile]
    {
        var files: [InstanceFile] = []
        for (kind, references) in [(FileReference.Kind.secret, service.secrets), (.config, service.configs)] {
            for reference in references {
                let content = try read(reference, kind: kind, service: service.name, environment: environment)
                files.append(InstanceFile(destination: reference.destination(kind), content: content,
                                          mode: reference.mode ?? kind.defaultMode, uid: reference.uid, gid: reference.gid))
            }
        }
        return files
    }

    private static func read(_ reference: FileReference, kind: FileReference.Kind, service: String,
                             environment: [String: String]) throws(Failure) -> [UInt8] {
        let what = "service \(service): \(kind.rawValue) `\(reference.source)`"
        let bytes: [UInt8]
        switch reference.definition {
        case nil:
            throw Failure(description: "\(what) is not declared at the top level of the stack")
        case let .file(path)?:
            do {
                bytes = try FileIO.read(path)
            } catch {
                throw Failure(description: "\(what): cannot read \(path): \(error)")
            }
        case let .environment(variable)?:
            guard let value = environment[variable] else {
                throw Failure(description: "\(what): the variable \(variable) is not set in the agent's environment")
            }
            bytes = Array(value.utf8)
        case let .content(text)?:
            bytes = Array(text.utf8)
        }
        guard bytes.count <= maximumFileBytes else {
            throw Failure(description: "\(what) holds \(bytes.count) bytes, more than the 1 MiB an instance takes")
        }
        return bytes
    }

    /// The host files the service's secrets are read from: an instance on the host's root
    /// would otherwise find them there at their host paths (read-only, but readable by a root
    /// workload), beside the copies it was given. Hidden as `x-aicore.hide_paths` are.
    static func hiddenSecretSources(_ service: Service) -> [String] {
        service.secrets.compactMap { reference in
            if case let .file(path)? = reference.definition { path } else { nil }
        }
    }
}
