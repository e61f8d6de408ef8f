/// Makes the relative paths of a file that is not the stack's first one absolute, against its
/// own directory: an included project's (its `project_directory`) or an extended file's.
/// Decoding resolves what stays relative against the first file's directory, which would be
/// the wrong one for these. The keys are Compose's: bind sources, `env_file`, `extends.file`,
/// a `seccomp=` profile, and the `file` of secrets and configs.
enum RelativePaths {
    static func absolutize(_ tree: YAMLNode, against directory: String) -> YAMLNode {
        guard var entries = tree.entries else { return tree }
        for index in entries.indices {
            switch entries[index].key {
            case "services":
                entries[index].value = eachValue(entries[index].value) { service($0, directory) }
            case "secrets", "configs":
                entries[index].value = eachValue(entries[index].value) { definition in
                    updating(definition, key: "file") { resolved($0, directory) }
                }
            default:
                break
            }
        }
        var copy = tree
        copy.value = .mapping(entries)
        return copy
    }

    private static func service(_ node: YAMLNode, _ directory: String) -> YAMLNode {
        var node = updating(node, key: "volumes") { volumes in
            eachItem(volumes) { volume in
                if volume.entries != nil {
                    let isBind = volume["type"]?.scalar?.text == "bind"
                    return isBind ? updating(volume, key: "source") { resolved($0, directory) } : volume
                }
                return rewritingScalar(volume) { text in
                    guard text.hasPrefix(".") || text.hasPrefix("~"), let colon = text.firstIndex(of: ":") else { return text }
                    return PathResolver.resolve(String(text[..<colon]), against: directory) + text[colon...]
                }
            }
        }
        node = updating(node, key: "env_file") { envFile in
            if envFile.scalar != nil { return resolved(envFile, directory) }
            return eachItem(envFile) { item in
                item.entries != nil ? updating(item, key: "path") { resolved($0, directory) } : resolved(item, directory)
            }
        }
        node = updating(node, key: "extends") { extends in
            updating(extends, key: "file") { resolved($0, directory) }
        }
        node = updating(node, key: "security_opt") { options in
            eachItem(options) { option in
                rewritingScalar(option) { text in
                    guard text.hasPrefix("seccomp="), text != "seccomp=unconfined", text.count > "seccomp=".count else { return text }
                    return "seccomp=" + PathResolver.resolve(String(text.dropFirst("seccomp=".count)), against: directory)
                }
            }
        }
        return node
    }

    private static func resolved(_ node: YAMLNode, _ directory: String) -> YAMLNode {
        rewritingScalar(node) { $0.isEmpty ? $0 : PathResolver.resolve($0, against: directory) }
    }

    private static func rewritingScalar(_ node: YAMLNode, _ rewrite: (String) -> String) -> YAMLNode {
        guard let scalar = node.scalar, !scalar.isNull else { return node }
        let text = rewrite(scalar.text)
        guard text != scalar.text else { return node }
        var copy = node
        copy.value = .scalar(.init(text: text, isPlain: false))
        return copy
    }

    private static func updating(_ node: YAMLNode, key: String, _ update: (YAMLNode) -> YAMLNode) -> YAMLNode {
        guard var entries = node.entries, let index = entries.firstIndex(where: { $0.key == key }) else { return node }
        entries[index].value = update(entries[index].value)
        var copy = node
        copy.value = .mapping(entries)
        return copy
    }

    private static func eachValue(_ node: YAMLNode, _ update: (YAMLNode) -> YAMLNode) -> YAMLNode {
        guard let entries = node.entries else { return node }
        var copy = node
        copy.value = .mapping(
            entries.map { entry in
                var updated = entry
                updated.value = update(entry.value)
                return updated
            })
        return copy
    }

    private static func eachItem(_ node: YAMLNode, _ update: (YAMLNode) -> YAMLNode) -> YAMLNode {
        guard let items = node.items else { return node }
        var copy = node
        copy.value = .sequence(items.map(update))
        return copy
    }
}
