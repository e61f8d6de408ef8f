extension UserIdentity {
    /// This identity with `groups` (`group_add`) among its supplementary groups, in order after
    /// its own and without repeats: a number is a gid as it is, a name is looked up in the
    /// instance root's /etc/group (`group`), and one that is not there is an error, as Docker's.
    public func addingGroups(_ groups: [String], group: String) throws(ResolveError) -> UserIdentity {
        let entries = Self.parseGroups(group)
        var identity = self
        for name in groups {
            let gid: UInt32
            if let number = UInt32(name) {
                gid = number
            } else if let entry = entries.first(where: { $0.name == name }) {
                gid = entry.gid
            } else {
                throw ResolveError(description: "unable to find group \(name) (group_add): no matching entries in the instance's /etc/group")
            }
            if gid != identity.gid && !identity.supplementaryGroups.contains(gid) { identity.supplementaryGroups.append(gid) }
        }
        return identity
    }
}
