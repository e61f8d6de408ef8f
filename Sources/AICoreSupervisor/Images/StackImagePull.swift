import AICoreErrors
import AICoreImages
import AICoreSpec
import Foundation

/// One image a stack names, with what decides when `up` pulls it: the services that share it
/// pull as often as the most eager of their `pull_policy`s, unless `up --pull` overrides them
/// all. The agent (before an apply) and the CLI (to show per-layer progress first) decide
/// from the same list.
public struct StackImagePull: Sendable, Equatable {
    public var reference: ImageReference
    public var policy: PullPolicy
    public var platform: String?
    /// The services that name the image, in the stack's order.
    public var services: [String]

    /// The images of `stack`'s services, each once, in the order of their normalised names.
    public static func plan(for stack: Stack, override: PullPolicy? = nil) throws(AICoreError) -> [StackImagePull] {
        var pulls: [String: StackImagePull] = [:]
        for service in stack.services {
            // A built image comes from its `build`, never from a registry.
            guard let image = service.image, service.build == nil else { continue }
            let reference: ImageReference
            do {
                reference = try ImageReference(parsing: image)
            } catch {
                throw error.prefixed("service \(service.name)")
            }
            let policy = override ?? service.pullPolicy
            if var entry = pulls[reference.description] {
                entry.policy = PullPolicy.stronger(entry.policy, policy)
                entry.services.append(service.name)
                pulls[reference.description] = entry
            } else {
                pulls[reference.description] = StackImagePull(reference: reference, policy: policy, platform: service.platform, services: [service.name])
            }
        }
        return pulls.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Whether the node must pull the image now, given when it last pulled it (nil: it has
    /// none). A missing image under `never` throws the error `up` reports.
    public func isDue(pulled: Date?, now: Date = Date()) throws(AICoreError) -> Bool {
        if policy == .never, pulled == nil {
            throw AICoreError(.notFound, "service \(services.joined(separator: ", ")): the image \(reference.familiar) is not on this node and its pull_policy is never; `aicore-node image load` it, or allow a pull")
        }
        return policy.isDue(pulled: pulled, now: now)
    }
}
