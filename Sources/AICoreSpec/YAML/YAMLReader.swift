import Foundation
import Yams

/// Reads one YAML file into a `YAMLNode` tree, turning every failure into one located diagnostic.
public enum YAMLReader {
    /// Reads `path`; `displayName` is what messages call the file.
    public static func read(path: String, displayName: String? = nil) -> Result<YAMLNode, Diagnostic> {
        let name = displayName ?? path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(fileError(name, "no such file"))
        }
        if isDirectory.boolValue {
            return .failure(fileError(name, "is a directory, expected a stack file"))
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(fileError(name, "cannot be read (permission denied)"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(fileError(name, "cannot be read"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(fileError(name, "is not UTF-8 text"))
        }
        return parse(text, file: name)
    }

    /// Parses YAML text; an empty document is an error because a stack needs `services`.
    /// A document whose aliases would expand it past `budget` is refused before it is built.
    public static func parse(_ text: String, file: String, budget: YAMLExpansionBudget = .standard) -> Result<YAMLNode, Diagnostic> {
        if text.utf8.contains(0) {
            return .failure(fileError(file, "is binary, not YAML"))
        }
        if let excess = budget.check(text) {
            return .failure(.error(excess.message, at: SourceLocation(file: file, line: excess.line, column: excess.column), path: ""))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, file: file, yaml: text))
        } catch {
            return .failure(fileError(file, "is not valid YAML: \(error)"))
        }
        guard let root else {
            return .failure(fileError(file, "is empty, expected a mapping with `services`"))
        }
        var converter = Converter(file: file)
        let node = converter.convert(root)
        if let problem = converter.problems.first {
            return .failure(problem)
        }
        return .success(node)
    }

    static func fileError(_ file: String, _ message: String) -> Diagnostic {
        Diagnostic(severity: .error, kind: .invalid, location: nil, keyPath: "", message: "\(file): \(message)")
    }

    private static func diagnostic(for error: YamlError, file: String, yaml: String) -> Diagnostic {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> Diagnostic {
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return Diagnostic(
                severity: .error, kind: .invalid,
                location: SourceLocation(file: file, line: mark.line, column: mark.column),
                keyPath: "", message: message)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "`\($0)`" }.joined(separator: ", ")
            let found = DuplicateKeyLocator.locate(
                key: duplicates.first ?? "", firstLine: context.mark.line, firstColumn: context.mark.column, in: yaml)
            return Diagnostic(
                severity: .error, kind: .invalid,
                location: SourceLocation(file: file, line: found.line, column: found.column),
                keyPath: found.keyPath, message: "duplicate key \(keys) in one mapping")
        case .reader(let problem, _, _, _):
            return fileError(file, "cannot be decoded: \(problem)")
        default:
            return fileError(file, "is not valid YAML: \(error)")
        }
    }

    /// Converts Yams nodes, applying merge keys. Collects the first structural problem.
    private struct Converter {
        let file: String
        var problems: [Diagnostic] = []

        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
        }

        mutating func convert(_ node: Node, path: String = "") -> YAMLNode {
            var converted: YAMLNode
            switch node {
            case .scalar(let scalar):
                let plain = scalar.style == .plain || scalar.style == .any
                converted = YAMLNode(.scalar(.init(text: scalar.string, isPlain: plain)), at: location(scalar.mark))
            case .sequence(let sequence):
                converted = YAMLNode(
                    .sequence(sequence.enumerated().map { convert($1, path: "\(path)[\($0)]") }), at: location(sequence.mark))
            case .mapping(let mapping):
                converted = convertMapping(mapping, path: path)
            case .alias(let alias):
                return YAMLNode(.scalar(.init(text: "", isPlain: true)), at: location(alias.mark))
            }
            converted.tag = mergeTag(node.tag.description, at: converted.location, path: path)
            return converted
        }

        /// `!reset` and `!override` are Compose's; YAML's own tags (`!!str`, and the implicit
        /// ones) change nothing here. Any other tag is an error: its meaning would be lost.
        mutating func mergeTag(_ name: String, at location: SourceLocation, path: String) -> YAMLNode.Tag? {
            switch name {
            case "!reset": return .reset
            case "!override": return .override
            case "", "!", "?": return nil
            default:
                if name.hasPrefix("tag:yaml.org,2002:") { return nil }
                problems.append(
                    .error("unknown YAML tag `\(name)`: only `!reset` and `!override` are understood", at: location, path: path))
                return nil
            }
        }

        mutating func convertMapping(_ mapping: Node.Mapping, path: String) -> YAMLNode {
            var own: [YAMLNode.Entry] = []
            var merged: [YAMLNode.Entry] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    problems.append(
                        .error(
                            "a mapping key must be a plain string, found a \(keyNode.mapping != nil ? "mapping" : "list")",
                            at: location(keyNode.mark), path: ""))
                    continue
                }
                let value = convert(valueNode, path: path.isEmpty ? keyScalar.string : "\(path).\(keyScalar.string)")
                if keyScalar.string == "<<" && keyScalar.style != .singleQuoted && keyScalar.style != .doubleQuoted {
                    // YAML merge key: the values of the referenced mapping(s) fill in keys this
                    // mapping does not set; earlier sources win over later ones.
                    let sources: [YAMLNode] = value.items ?? [value]
                    for source in sources {
                        guard let entries = source.entries else {
                            problems.append(
                                .error(
                                    "a merge key (<<) expects a mapping or a list of mappings, found \(source.foundDescription)",
                                    at: source.location, path: ""))
                            continue
                        }
                        for entry in entries where !merged.contains(where: { $0.key == entry.key }) {
                            merged.append(entry)
                        }
                    }
                    continue
                }
                own.append(.init(key: keyScalar.string, keyLocation: location(keyScalar.mark), value: value))
            }
            for entry in merged where !own.contains(where: { $0.key == entry.key }) {
                own.append(entry)
            }
            return YAMLNode(.mapping(own), at: location(mapping.mark))
        }
    }
}
