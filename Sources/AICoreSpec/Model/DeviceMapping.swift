/// One of a service's `devices`: a host device node made available inside its instances at
/// `target` (under /dev), and allowed in their device cgroup with `permissions`.
public struct DeviceMapping: Sendable, Hashable {
    /// The host's node, an absolute path (`/dev/fuse`).
    public var source: String
    /// Where the instance finds it: an absolute path under /dev.
    public var target: String
    /// `r`, `w` and `m` (mknod), as Docker's `--device` takes them; default all three.
    public var permissions: String

    public init(source: String, target: String, permissions: String = "rwm") {
        self.source = source
        self.target = target
        self.permissions = permissions
    }

    /// `HOST:CONTAINER:PERMISSIONS`, as the short form writes it.
    public var composeText: String { "\(source):\(target):\(permissions)" }
}
