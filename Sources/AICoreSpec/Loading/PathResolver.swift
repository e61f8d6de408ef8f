import Foundation

/// Turns the relative and `~` paths of a stack file into absolute ones.
enum PathResolver {
    static func resolve(_ path: String, against base: String) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
            expanded = home + expanded.dropFirst()
        }
        let absolute = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }
}
