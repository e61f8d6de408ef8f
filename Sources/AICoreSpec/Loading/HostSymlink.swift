import Foundation

/// A symbolic link on this host in a path a mount names. The runtime resolves mount sources and
/// targets without following any (runtime.md, "Mounts follow no symlinks") and refuses the
/// instance, so `config validate` says so beforehand, with the path to write instead.
public struct HostSymlink: Sendable, Equatable {
    /// The first component of the path that is a link, e.g. `/var/run`.
    public var link: String
    /// Where the whole path leads, when the link resolves, e.g. `/run/postgresql` (the rest of the
    /// path after the link need not exist yet).
    public var leadsTo: String?

    public init(link: String, leadsTo: String?) {
        self.link = link
        self.leadsTo = leadsTo
    }

    /// The first link in absolute `path` on this host; nil when there is none, or when the path
    /// stops existing before one is met.
    public static func first(in path: String) -> HostSymlink? {
        guard path.hasPrefix("/") else { return nil }
        let components = path.split(separator: "/")
        var current = ""
        for (index, component) in components.enumerated() {
            current += "/" + component
            var info = stat()
            guard lstat(current, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT == S_IFLNK {
                let rest = components[(index + 1)...].map { "/" + $0 }.joined()
                return HostSymlink(link: current, leadsTo: resolved(path) ?? resolved(current).map { $0 + rest })
            }
        }
        return nil
    }

    private static func resolved(_ path: String) -> String? {
        realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        }
    }
}
