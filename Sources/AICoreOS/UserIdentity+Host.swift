import AICoreSystem

extension UserIdentity {
    /// Resolves `user` in the host's /etc/passwd and /etc/group (under `root`), for what the
    /// agent makes on the host for a workload (the owner of a named volume's directory).
    /// Blocking (two file reads). A missing file is an empty one: a numeric uid still resolves.
    public static func resolveOnHost(_ user: String, root: String = "/") throws(ResolveError) -> UserIdentity {
        let passwd = (try? FileIO.readString(root + "etc/passwd")) ?? ""
        let group = (try? FileIO.readString(root + "etc/group")) ?? ""
        return try resolve(user, passwd: passwd, group: group)
    }
}
