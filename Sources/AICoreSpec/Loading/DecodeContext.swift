/// Collects diagnostics while a YAML tree is decoded into the model, so every problem of a
/// file is reported at once rather than only the first.
///
/// Not Sendable on purpose: one load owns one context, on one task.
final class DecodeContext {
    private(set) var diagnostics: [Diagnostic] = []
    /// `StackLoadOptions.allowsPrivileged`.
    var allowsPrivileged = false
    /// `StackLoadOptions.defaultLogging`.
    var defaultLogging: LoggingSettings?
    /// Where each key path was written, for checks that run after decoding (cycles, conflicts).
    private(set) var locations: [String: SourceLocation] = [:]

    /// Each decoded port with the key path of the list item it came from (ranges expand to several).
    var portOrigins: [(port: PortMapping, path: String)] = []
    /// Each service's `volumes_from`, in order: resolved once every service is decoded
    /// (`VolumesFromResolver`).
    var volumesFrom: [String: [VolumesFromEntry]] = [:]

    func record(_ path: String, at location: SourceLocation) {
        if locations[path] == nil { locations[path] = location }
    }

    /// The location of `path`, or of its closest recorded parent.
    func locate(_ path: String) -> SourceLocation? {
        LoadedStack.locate(path, in: locations)
    }

    var hasErrors: Bool { diagnostics.contains(where: \.isError) }

    func add(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    func error(_ message: String, at location: SourceLocation, path: String) {
        add(.error(message, at: location, path: path))
    }

    func warning(_ kind: Diagnostic.Kind, _ message: String, at location: SourceLocation, path: String) {
        add(Diagnostic(severity: .warning, kind: kind, location: location, keyPath: path, message: message))
    }

    /// "expected X, found Y" at the value.
    func expected(_ what: String, _ node: YAMLNode, _ path: String) {
        error("expected \(what), found \(node.foundDescription)", at: node.location, path: path)
    }

    // MARK: Mappings and keys

    /// The entries of a mapping whose keys the catalog knows; reports unknown keys (with a
    /// did-you-mean), ignored and unsupported ones. `x-` keys come back with `isExtension`.
    func entries(
        _ node: YAMLNode, _ path: String, catalog: KeyCatalog, allowNull: Bool = false,
        unimplemented: ((String, YAMLNode) -> Void)? = nil
    ) -> [(key: String, value: YAMLNode, path: String, keyLocation: SourceLocation)]? {
        if allowNull && node.isNull { return [] }
        guard let entries = node.entries else {
            expected("a mapping", node, path)
            return nil
        }
        var result: [(String, YAMLNode, String, SourceLocation)] = []
        for entry in entries {
            let childPath = Self.join(path, entry.key)
            record(childPath, at: entry.keyLocation)
            if entry.key.hasPrefix("x-") {
                result.append((entry.key, entry.value, childPath, entry.keyLocation))
                continue
            }
            switch catalog.keys[entry.key] {
            case .supported:
                result.append((entry.key, entry.value, childPath, entry.keyLocation))
            case .ignored(let why):
                warning(.ignored, "`\(entry.key)` \(why)", at: entry.keyLocation, path: childPath)
                unimplemented?(entry.key, entry.value)
            case .unsupported(let why):
                warning(.unsupported, "`\(entry.key)` \(why)", at: entry.keyLocation, path: childPath)
                unimplemented?(entry.key, entry.value)
            case nil:
                var message = "unknown key `\(entry.key)` in \(catalog.name)"
                if let suggestion = catalog.suggestion(for: entry.key) {
                    message += "; did you mean `\(suggestion)`?"
                } else {
                    message += "; extension keys must start with `x-`"
                }
                error(message, at: entry.keyLocation, path: childPath)
            }
        }
        return result
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func index(_ path: String, _ index: Int) -> String {
        "\(path)[\(index)]"
    }

    // MARK: Scalars

    /// A scalar as text; numbers and booleans are accepted as their spelling.
    func string(_ node: YAMLNode, _ path: String, what: String = "a string") -> String? {
        guard let scalar = node.scalar, !scalar.isNull else {
            expected(what, node, path)
            return nil
        }
        return scalar.text
    }

    /// A string that may be null (Compose's "key with no value").
    func optionalString(_ node: YAMLNode, _ path: String) -> String?? {
        if node.isNull { return .some(nil) }
        guard let text = string(node, path) else { return nil }
        return .some(text)
    }

    func int(_ node: YAMLNode, _ path: String, range: ClosedRange<Int> = 0...Int.max, what: String? = nil) -> Int? {
        let description = what ?? (range.lowerBound == 0 ? "a non-negative integer" : "an integer of at least \(range.lowerBound)")
        guard let scalar = node.scalar, !scalar.isNull,
            let value = Int(scalar.text.trimmingCharacters(in: .whitespaces))
        else {
            expected(description, node, path)
            return nil
        }
        guard range.contains(value) else {
            if range.upperBound == Int.max {
                error("expected \(description), found \(value)", at: node.location, path: path)
            } else {
                error(
                    "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(value)",
                    at: node.location, path: path)
            }
            return nil
        }
        return value
    }

    func double(_ node: YAMLNode, _ path: String, what: String = "a number") -> Double? {
        guard let scalar = node.scalar, !scalar.isNull,
            let value = Double(scalar.text.trimmingCharacters(in: .whitespaces)), value.isFinite
        else {
            expected(what, node, path)
            return nil
        }
        return value
    }

    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        guard let scalar = node.scalar else {
            expected("true or false", node, path)
            return nil
        }
        switch scalar.text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            expected("true or false", node, path)
            return nil
        }
    }

    /// A Compose duration (`1m30s`); with `bareSeconds`, also a plain number of seconds (Kubernetes style).
    func duration(_ node: YAMLNode, _ path: String, bareSeconds: Bool = false) -> Duration? {
        let what = bareSeconds ? "a duration like 10s or 1m30s, or a number of seconds" : "a duration like 10s, 500ms or 1m30s"
        guard let scalar = node.scalar, !scalar.isNull else {
            expected(what, node, path)
            return nil
        }
        let text = scalar.text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("-"), DurationSyntax.parse(String(text.dropFirst())) != nil || Double(text) != nil {
            error("expected a duration greater than zero, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        if bareSeconds, let seconds = Double(text) {
            // Beyond ~292 years a duration no longer fits in Int64 nanoseconds.
            guard seconds.isFinite, seconds < DurationSyntax.maximumSeconds else {
                error("expected a duration of at most \(Int(DurationSyntax.maximumSeconds)) seconds, found \"\(text)\"", at: node.location, path: path)
                return nil
            }
            return .nanoseconds(Int64(seconds * 1e9))
        }
        guard let value = DurationSyntax.parse(text) else {
            expected(what, node, path)
            return nil
        }
        return value
    }

    func byteSize(_ node: YAMLNode, _ path: String) -> ByteSize? {
        guard let scalar = node.scalar, !scalar.isNull, let size = ByteSize(parsing: scalar.text) else {
            expected("a size like 512m, 2G or 1gb", node, path)
            return nil
        }
        return size
    }

    func intOrPercent(_ node: YAMLNode, _ path: String) -> IntOrPercent? {
        guard let scalar = node.scalar, !scalar.isNull, let value = IntOrPercent(parsing: scalar.text) else {
            expected("a non-negative integer or a percentage like 25%", node, path)
            return nil
        }
        return value
    }

    /// A one-of-a-set string, e.g. a condition; the error lists the choices.
    func choice<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ path: String, _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = T(rawValue: text) { return value }
        let choices = T.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
        error("expected one of \(choices), found \"\(text)\"", at: node.location, path: path)
        return nil
    }

    // MARK: Lists

    func stringList(_ node: YAMLNode, _ path: String) -> [String]? {
        guard let items = node.items else {
            expected("a list of strings", node, path)
            return nil
        }
        var result: [String] = []
        for (offset, item) in items.enumerated() {
            guard let text = string(item, Self.index(path, offset)) else { return nil }
            record(Self.index(path, offset), at: item.location)
            result.append(text)
        }
        return result
    }

    /// A string or a list of strings; a string becomes a one-element list.
    func stringOrList(_ node: YAMLNode, _ path: String) -> [String]? {
        if node.items != nil { return stringList(node, path) }
        guard let text = string(node, path, what: "a string or a list of strings") else { return nil }
        return [text]
    }

    /// A command: a list is taken as is; a string is split like a shell would (quotes honoured).
    func command(_ node: YAMLNode, _ path: String) -> [String]? {
        if node.items != nil { return stringList(node, path) }
        guard let text = string(node, path, what: "a command string or a list of strings") else { return nil }
        switch ShellWords.split(text) {
        case .success(let words): return words
        case .failure(let failure):
            error("cannot split the command: \(failure.message)", at: node.location, path: path)
            return nil
        }
    }

    /// Compose's list_or_dict: `["K=V", "K"]` or `{K: V, K: null}`. A nil value means "unset".
    /// Each item comes with where its key was written and its own key path (`env[0]`, `env.KEY`).
    func listOrDict(
        _ node: YAMLNode, _ path: String, separator: Character = "="
    ) -> [(key: String, value: String?, location: SourceLocation, path: String)]? {
        if let items = node.items {
            var result: [(String, String?, SourceLocation, String)] = []
            for (offset, item) in items.enumerated() {
                let itemPath = Self.index(path, offset)
                guard let text = string(item, itemPath) else { continue }
                if let split = text.firstIndex(of: separator) {
                    result.append(
                        (String(text[..<split]), String(text[text.index(after: split)...]), item.location, itemPath))
                } else {
                    result.append((text, nil, item.location, itemPath))
                }
            }
            return result
        }
        guard let entries = node.entries else {
            expected("a mapping or a list of KEY\(separator)VALUE strings", node, path)
            return nil
        }
        var result: [(String, String?, SourceLocation, String)] = []
        for entry in entries {
            let childPath = Self.join(path, entry.key)
            if entry.value.isNull {
                result.append((entry.key, nil, entry.keyLocation, childPath))
            } else if let scalar = entry.value.scalar {
                result.append((entry.key, scalar.text, entry.keyLocation, childPath))
            } else {
                expected("a string, number or boolean", entry.value, childPath)
            }
        }
        return result
    }
}
