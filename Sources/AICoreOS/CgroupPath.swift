import AICoreSystem

/// Path helpers shared by the managers: validating a caller's relative cgroup path and joining paths.
enum CgroupPath {
    /// The components of `relativePath`, refusing what could escape or confuse the hierarchy:
    /// empty paths, absolute paths, `.`/`..` components, and empty components.
    static func components(of relativePath: String) throws(SystemError) -> [String] {
        let parts = relativePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !relativePath.isEmpty, !relativePath.hasPrefix("/"),
              parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else {
            throw SystemError(
                code: .invalidArgument, operation: "use cgroup path '\(relativePath)'",
                detail: "expected a relative path like aicore/stack/service/instance, without empty, '.' or '..' components")
        }
        return parts
    }

    /// Joins path pieces with single slashes, ignoring empty pieces: join("/sys/fs/cgroup", "", "/a/", "b") == "/sys/fs/cgroup/a/b".
    static func join(_ pieces: String...) -> String {
        join(pieces)
    }

    static func join(_ pieces: [String]) -> String {
        var result = ""
        for (index, piece) in pieces.enumerated() {
            let trimmed = piece.split(separator: "/").joined(separator: "/")
            if index == 0 && piece.hasPrefix("/") { result = "/" }
            guard !trimmed.isEmpty else { continue }
            if !result.isEmpty && !result.hasSuffix("/") { result += "/" }
            result += trimmed
        }
        return result
    }
}
