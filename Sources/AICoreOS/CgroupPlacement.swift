/// Where a detected manager puts the `aicore/…` cgroups.
public enum CgroupPlacement: Sendable, Equatable {
    /// Directly under the root of each hierarchy: `<root>/aicore/…` (v2) or `<root>/<controller>/aicore/…`
    /// (v1). Used by `aicore-node run` and by an agent that is not under systemd delegation.
    case hierarchyRoot
    /// v2: under the agent's own delegated cgroup (systemd `Delegate=yes`), after moving the agent into a
    /// leaf (`CgroupV2Manager.prepareDelegatedRoot`). v1 has no safe delegation, so there it is `hierarchyRoot`.
    case delegated
    /// Under an explicit path below each hierarchy's root.
    case parent(String)
}
