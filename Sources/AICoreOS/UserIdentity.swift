/// Who the workload runs as: resolved in the instance's root filesystem (its /etc/passwd and
/// /etc/group), in the parent, before clone.
public struct UserIdentity: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var supplementaryGroups: [UInt32]
    public var name: String?
    public var home: String

    public init(uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32] = [], name: String? = nil, home: String = "/") {
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
        self.name = name
        self.home = home
    }

    public static let root = UserIdentity(uid: 0, gid: 0, supplementaryGroups: [], name: "root", home: "/root")

    public struct ResolveError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    struct PasswdEntry { var name: String; var uid: UInt32; var gid: UInt32; var home: String }
    struct GroupEntry { var name: String; var gid: UInt32; var members: [String] }

    /// Resolves `user` as docker does: `name`, `uid`, `name:group`, `uid:gid` (either side a
    /// name or a number). A numeric uid absent from passwd is allowed, with its own gid (gid =
    /// uid, never Docker's gid 0: root's group opens files that are group-readable by root)
    /// and home "/"; a name must exist. Supplementary groups are the groups listing the user's name.
    public static func resolve(_ user: String, passwd: String, group: String) throws(ResolveError) -> UserIdentity {
        let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts[0]
        guard !userPart.isEmpty else { throw ResolveError(description: "invalid user \"\(user)\": empty user name") }
        let users = parsePasswd(passwd)
        let groups = parseGroups(group)

        var identity: UserIdentity
        if let uid = UInt32(userPart) {
            if let entry = users.first(where: { $0.uid == uid }) {
                identity = UserIdentity(uid: uid, gid: entry.gid, name: entry.name, home: entry.home)
            } else {
                identity = UserIdentity(uid: uid, gid: uid, name: nil, home: "/")
            }
        } else {
            guard let entry = users.first(where: { $0.name == userPart }) else {
                throw ResolveError(description: "unable to find user \(userPart): no matching entries in passwd file")
            }
            identity = UserIdentity(uid: entry.uid, gid: entry.gid, name: entry.name, home: entry.home)
        }

        if parts.count == 2 {
            let groupPart = parts[1]
            if let gid = UInt32(groupPart) {
                identity.gid = gid
            } else {
                guard let entry = groups.first(where: { $0.name == groupPart }) else {
                    throw ResolveError(description: "unable to find group \(groupPart): no matching entries in group file")
                }
                identity.gid = entry.gid
            }
        }
        if let name = identity.name {
            var extra: [UInt32] = []
            for g in groups where g.members.contains(name) && g.gid != identity.gid && !extra.contains(g.gid) {
                extra.append(g.gid)
            }
            identity.supplementaryGroups = extra
        }
        return identity
    }

    static func parsePasswd(_ text: String) -> [PasswdEntry] {
        text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7, let uid = UInt32(f[2]), let gid = UInt32(f[3]) else { return nil }
            return PasswdEntry(name: f[0], uid: uid, gid: gid, home: f[5].isEmpty ? "/" : f[5])
        }
    }

    static func parseGroups(_ text: String) -> [GroupEntry] {
        text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4, let gid = UInt32(f[2]) else { return nil }
            return GroupEntry(name: f[0], gid: gid, members: f[3].split(separator: ",").map(String.init))
        }
    }
}
