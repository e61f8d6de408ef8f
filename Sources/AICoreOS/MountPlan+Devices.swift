extension MountPlan {
    /// The directories between `base` and `path`, outermost first: `/dev/net` for
    /// `/dev/net/tun` below `/dev`; none for `/dev/fuse`.
    static func parentDirectories(of path: String, below base: String) -> [String] {
        guard path.hasPrefix(base + "/") else { return [] }
        let components = path.dropFirst(base.count + 1).split(separator: "/")
        var parents: [String] = []
        var current = base
        for component in components.dropLast() {
            current += "/" + component
            parents.append(current)
        }
        return parents
    }
}
