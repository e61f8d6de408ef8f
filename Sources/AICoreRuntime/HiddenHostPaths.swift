import AICoreOS

#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

/// The host paths a workload on the host root never sees (docs/runtime.md, "Hidden host
/// paths"): the host's secrets, always, plus the agent's own files and a service's
/// `x-aicore.hide_paths`. A directory is hidden behind an empty read-only tmpfs, a file behind
/// /dev/null (as runc masks paths).
public enum HiddenHostPaths {
    /// Hidden from every instance on the host root. `*` matches within one path component.
    public static let hostSecrets = [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
        "/etc/ssh/ssh_host_*_key", "/root", "/home",
    ]

    /// The agent's configuration, state and logs at their default places; an agent adds where
    /// its configuration puts them (`AgentConfiguration.hiddenHostPaths`).
    public static let agentDefaults = ["/etc/aicore", "/var/lib/aicore", "/var/log/aicore"]

    /// `paths` as they are on this host: `*` expanded, symlinks resolved (the mount must land
    /// on what the path names, not on a link in the instance's root), absent paths dropped,
    /// each once.
    public static func resolve(_ paths: [String]) -> [String] {
        resolve(paths, entries: { try? FileIO.entries(of: $0) }, realPath: realPath)
    }

    static func resolve(_ paths: [String], entries: (String) -> [String]?, realPath: (String) -> String?) -> [String] {
        var result: [String] = []
        for path in paths where path.hasPrefix("/") {
            for candidate in expand(path, entries: entries) {
                if let real = realPath(candidate), !result.contains(real) { result.append(real) }
            }
        }
        return result
    }

    /// A `*` in the last component matches names in its directory (no other glob syntax).
    static func expand(_ path: String, entries: (String) -> [String]?) -> [String] {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        let name = path[path.index(after: slash)...]
        guard let star = name.firstIndex(of: "*") else { return [path] }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let prefix = name[..<star], suffix = name[name.index(after: star)...]
        let names = (entries(directory) ?? []).filter {
            $0.count >= prefix.count + suffix.count && $0.hasPrefix(prefix) && $0.hasSuffix(suffix)
        }
        return names.sorted().map { (directory == "/" ? "" : directory) + "/" + $0 }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
