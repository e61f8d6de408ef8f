/// Applies `Interpolator` to every scalar value of a tree (never to keys), locating each
/// unset-variable warning and each failure at the scalar that caused it.
struct TreeInterpolation {
    let interpolator: Interpolator
    let context: DecodeContext

    func apply(_ node: YAMLNode, path: String = "") -> YAMLNode {
        var copy = node
        switch node.value {
        case .scalar(let scalar):
            guard scalar.text.contains("$") else { return node }
            switch interpolator.interpolate(scalar.text) {
            case .success(let output):
                for name in Set(output.unsetVariables).sorted() {
                    context.warning(
                        .unsetVariable, "the \"\(name)\" variable is not set; substituting an empty string",
                        at: node.location, path: path)
                }
                copy.value = .scalar(.init(text: output.text, isPlain: false))
            case .failure(let failure):
                context.error(failure.description, at: node.location, path: path)
            }
        case .sequence(let items):
            copy.value = .sequence(items.enumerated().map { apply($1, path: DecodeContext.index(path, $0)) })
        case .mapping(let entries):
            copy.value = .mapping(
                entries.map { entry in
                    var updated = entry
                    updated.value = apply(entry.value, path: DecodeContext.join(path, entry.key))
                    return updated
                })
        }
        return copy
    }
}
