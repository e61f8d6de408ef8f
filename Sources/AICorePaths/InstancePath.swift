/// A path inside an instance where something is mounted: absolute, with no `.` or `..`
/// component, and below `/`. One rule for `run -v` and `run --tmpfs` (AICoreOS' `MountSpec`)
/// and for a stack's `volumes` and `tmpfs` (AICoreSpec, as located errors), so a destination
/// one accepts the other accepts too. Docker refuses the same ones.
///
/// The runtime resolves the normalized path beneath the instance's root with no symlink
/// anywhere (runtime.md, "Mounts follow no symlinks"); this rule is what a user can get wrong
/// by writing it, before anything is resolved.
public enum InstancePath {
    public enum Problem: Error, Sendable, Equatable {
        /// `data`: not absolute.
        case relative
        /// `/data/../etc`, `/srv/./x`.
        case dotComponent
        /// `/` (or `//`): the instance's whole root.
        case root
    }

    /// `path` with repeated and trailing slashes dropped (`/a//b/` is `/a/b`), or why it is
    /// not a mount destination.
    public static func normalized(_ path: String) -> Result<String, Problem> {
        guard path.hasPrefix("/") else { return .failure(.relative) }
        let components = path.split(separator: "/")
        guard !components.contains(where: { $0 == "." || $0 == ".." }) else { return .failure(.dotComponent) }
        guard !components.isEmpty else { return .failure(.root) }
        return .success("/" + components.joined(separator: "/"))
    }
}
