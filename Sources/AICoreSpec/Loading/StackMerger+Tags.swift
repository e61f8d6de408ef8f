extension StackMerger {
    /// The tree as decoding sees it: every `!reset` value gone (with its key or list item), and
    /// `!override` values kept as written. Applied once every file, include and extends merged.
    static func resolvingTags(_ node: YAMLNode) -> YAMLNode {
        var copy = node
        copy.tag = nil
        switch node.value {
        case .scalar:
            break
        case .sequence(let items):
            copy.value = .sequence(items.filter { $0.tag != .reset }.map(resolvingTags))
        case .mapping(let entries):
            copy.value = .mapping(
                entries.filter { $0.value.tag != .reset }.map { entry in
                    var updated = entry
                    updated.value = resolvingTags(entry.value)
                    return updated
                })
        }
        return copy
    }
}
