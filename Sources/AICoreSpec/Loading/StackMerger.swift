/// Merges several stack files (`-f a.yml -f b.yml`) with Compose's rules: mappings merge key by
/// key, later scalars win, `command`/`entrypoint`/`healthcheck.test` are replaced, keyed lists
/// (`environment`, `labels`, `volumes` by target, `depends_on`, …) merge by key, other lists append.
/// A value tagged `!override` replaces instead; one tagged `!reset` (or a base value so tagged)
/// counts as never written. The tags stay on the result until `resolvingTags` removes them, so
/// that an `extends` applied after the files merged still honours them.
enum StackMerger {
    static func merge(_ base: YAMLNode, _ override: YAMLNode) -> YAMLNode {
        mergeNode(base, override, path: [])
    }

    /// `extends`: the extending service's mapping over the service it extends, by the same rules
    /// as a later file's service over an earlier one's. The result is located where it is written.
    static func mergeService(_ base: YAMLNode, _ override: YAMLNode, name: String) -> YAMLNode {
        var merged = mergeNode(base, override, path: ["services", name])
        merged.location = override.location
        return merged
    }

    private static let replacedLists: Set<String> = ["command", "entrypoint", "test", "profiles", "dns", "dns_search"]
    private static let dictLists: Set<String> = [
        "environment", "labels", "extra_hosts", "sysctls", "annotations", "depends_on", "networks", "ulimits",
    ]

    private static func mergeNode(_ base: YAMLNode, _ override: YAMLNode, path: [String]) -> YAMLNode {
        if override.tag != nil || base.tag == .reset { return override }
        let key = path.last ?? ""
        let inService = path.count == 3 && path[0] == "services"
        if inService && dictLists.contains(key) {
            return mergeMappings(asMapping(base, key: key), asMapping(override, key: key), path: path)
        }
        // Compose: `logging` of another driver replaces the base's, options and all (they
        // would not apply to it); of the same driver, or none written, the options merge.
        if inService && key == "logging", let baseDriver = base["driver"]?.scalar?.text,
            let overrideDriver = override["driver"]?.scalar?.text, baseDriver != overrideDriver {
            return override
        }
        if inService && key == "volumes", let baseItems = base.items, let overrideItems = override.items {
            return mergeKeyed(baseItems, overrideItems, at: override.location, identity: volumeTarget)
        }
        if inService && key == "ports", let baseItems = base.items, let overrideItems = override.items {
            return mergeKeyed(baseItems, overrideItems, at: override.location) { ConfigValue($0) }
        }
        switch (base.value, override.value) {
        case (.mapping, .mapping):
            return mergeMappings(base, override, path: path)
        case (.sequence(let baseItems), .sequence(let overrideItems)) where !replacedLists.contains(key):
            return mergeKeyed(baseItems, overrideItems, at: override.location) { ConfigValue($0) }
        default:
            return override
        }
    }

    private static func mergeMappings(_ base: YAMLNode, _ override: YAMLNode, path: [String]) -> YAMLNode {
        guard var entries = base.entries, let overrides = override.entries else { return override }
        for entry in overrides {
            if let index = entries.firstIndex(where: { $0.key == entry.key }) {
                entries[index].value = mergeNode(entries[index].value, entry.value, path: path + [entry.key])
            } else {
                entries.append(entry)
            }
        }
        return YAMLNode(.mapping(entries), at: base.location)
    }

    /// Appends override items, replacing a base item with the same identity.
    private static func mergeKeyed<K: Hashable>(
        _ base: [YAMLNode], _ override: [YAMLNode], at location: SourceLocation, identity: (YAMLNode) -> K
    ) -> YAMLNode {
        var items = base
        for item in override {
            let id = identity(item)
            if let index = items.firstIndex(where: { identity($0) == id }) {
                items[index] = item
            } else {
                items.append(item)
            }
        }
        return YAMLNode(.sequence(items), at: location)
    }

    private static func volumeTarget(_ node: YAMLNode) -> String {
        if let target = node["target"]?.scalar?.text { return target }
        guard let text = node.scalar?.text else { return "" }
        let parts = text.split(separator: ":")
        return String(parts.count >= 2 ? parts[1] : parts.first ?? "")
    }

    /// `["A=1", "B"]` as `{A: "1", B: null}`; `depends_on: [db]` as `{db: {condition: service_started}}`.
    private static func asMapping(_ node: YAMLNode, key: String) -> YAMLNode {
        guard let items = node.items else { return node }
        let separator: Character = key == "extra_hosts" ? ":" : "="
        let entries: [YAMLNode.Entry] = items.compactMap { item in
            guard let text = item.scalar?.text else { return nil }
            if key == "depends_on" || key == "networks" {
                return .init(key: text, keyLocation: item.location, value: YAMLNode(.scalar(.init(text: "", isPlain: true)), at: item.location))
            }
            guard let split = text.firstIndex(of: separator) else {
                return .init(key: text, keyLocation: item.location, value: YAMLNode(.scalar(.init(text: "", isPlain: true)), at: item.location))
            }
            let value = String(text[text.index(after: split)...])
            return .init(
                key: String(text[..<split]), keyLocation: item.location,
                value: YAMLNode(.scalar(.init(text: value, isPlain: false)), at: item.location))
        }
        return YAMLNode(.mapping(entries), at: node.location)
    }
}
