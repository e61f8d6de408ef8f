import AICoreErrors
import AICoreOS

/// What, besides the user, makes the identity of a process in an instance: the service's
/// `group_add`, `cap_add`, `cap_drop` and `privileged`. The workload and every process run in it
/// as another user (a hook's `user`, `exec --user`) take theirs by these same rules, as Docker's
/// `exec -u` does: root gets the default capability set, any other user none, then the service's
/// additions and drops; a privileged instance gives every user every capability.
public struct IdentityRules: Sendable, Equatable {
    public var groupAdd: [String]
    public var capAdd: [String]
    public var capDrop: [String]
    public var privileged: Bool

    public init(groupAdd: [String] = [], capAdd: [String] = [], capDrop: [String] = [], privileged: Bool = false) {
        self.groupAdd = groupAdd
        self.capAdd = capAdd
        self.capDrop = capDrop
        self.privileged = privileged
    }

    /// `user` (`name|uid[:gid]`; nil: root) resolved in `passwd` and `group` (the contents of the
    /// instance root's files), with its supplementary groups and its capabilities.
    public func resolve(user: String?, passwd: () throws -> String, group: () throws -> String) throws -> (UserIdentity, CapabilitySet) {
        var identity = UserIdentity.root
        do {
            if let user {
                identity = try UserIdentity.resolve(user, passwd: passwd(), group: group())
            }
            if !groupAdd.isEmpty {
                identity = try identity.addingGroups(groupAdd, group: group())
            }
        } catch let error as UserIdentity.ResolveError {
            throw AICoreError(code: .invalidSpec, message: error.description, cause: error)
        }
        let capabilities: CapabilitySet
        if privileged {
            // Every capability the agent itself may pass on: more would make capset fail.
            var all = CapabilitySet.all
            if let bounding = CapabilitySet.ownBoundingSet() { all.bits &= bounding.bits }
            capabilities = all
        } else {
            do {
                capabilities = try CapabilitySet.resolve(uid: identity.uid, add: capAdd, drop: capDrop)
            } catch {
                throw AICoreError(code: .invalidSpec, message: error.description, cause: error)
            }
        }
        return (identity, capabilities)
    }
}

extension TaskSpec {
    public var identityRules: IdentityRules {
        IdentityRules(groupAdd: groupAdd, capAdd: capAdd, capDrop: capDrop, privileged: privileged)
    }
}
