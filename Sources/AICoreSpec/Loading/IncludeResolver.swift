import Foundation

/// Imports the projects a file's top-level `include` names (Compose 2.20), as Compose does:
/// each is loaded as a project of its own (its files merged, its own `include` and `extends`
/// resolved, interpolated with its `env_file`s or the `.env` of its project directory, its
/// relative paths resolved against that directory), and its services, networks, volumes,
/// secrets and configs join the including file's. A resource both define, or two included
/// projects define differently, is an error at the `include` item: Compose refuses it too.
struct IncludeResolver {
    let context: DecodeContext
    let source: StackSource
    /// The process environment: a bare `KEY` in an env file takes its value from it.
    let environment: [String: String]

    static let catalog = KeyCatalog("include item", supported: ["path", "project_directory", "env_file"])
    static let resourceKinds = ["services", "networks", "volumes", "secrets", "configs"]

    /// One `include` item, its paths absolute.
    private struct Item {
        var paths: [String]
        var projectDirectory: String
        var envFiles: [String]
        var location: SourceLocation
        var path: String
    }

    /// `tree` (one file, interpolated) without its `include`, with what it includes added.
    /// `chain` holds the files being included, outermost first, to refuse a cycle.
    func apply(_ tree: YAMLNode, projectDirectory: String, variables: [String: String], chain: [String]) -> YAMLNode {
        guard var entries = tree.entries, let includeIndex = entries.firstIndex(where: { $0.key == "include" }) else { return tree }
        let includeNode = entries.remove(at: includeIndex).value
        context.record("include", at: includeNode.location)
        if includeNode.isNull { return YAMLNode(.mapping(entries), at: tree.location) }
        guard let items = includeNode.items else {
            context.expected("a list of files to include", includeNode, "include")
            return YAMLNode(.mapping(entries), at: tree.location)
        }
        var result = YAMLNode(.mapping(entries), at: tree.location, tag: tree.tag)
        var imported: [String: [String: YAMLNode]] = [:]
        for (offset, itemNode) in items.enumerated() {
            let itemPath = DecodeContext.index("include", offset)
            context.record(itemPath, at: itemNode.location)
            guard let item = parse(itemNode, itemPath, projectDirectory: projectDirectory) else { continue }
            guard let project = load(item, variables: variables, chain: chain) else { continue }
            result = importing(project, into: result, item: item, imported: &imported)
        }
        return result
    }

    private func parse(_ node: YAMLNode, _ path: String, projectDirectory: String) -> Item? {
        var paths: [String] = []
        var projectDir: String?
        var envFiles: [String] = []
        if let written = node.scalar, !written.isNull {
            paths = [written.text]
        } else if node.entries != nil {
            guard let entries = context.entries(node, path, catalog: Self.catalog) else { return nil }
            for (key, value, keyPath, _) in entries {
                switch key {
                case "path": paths = stringOrList(value, keyPath) ?? []
                case "project_directory": projectDir = context.string(value, keyPath, what: "a directory")
                case "env_file": envFiles = stringOrList(value, keyPath) ?? []
                default: break
                }
            }
            guard !paths.isEmpty else {
                context.error("an include item needs a `path`: a file, or a list of files to merge", at: node.location, path: path)
                return nil
            }
        } else {
            context.expected("a file path, or a mapping with `path`, `project_directory` and `env_file`", node, path)
            return nil
        }
        let absolute = paths.map { PathResolver.resolve($0, against: projectDirectory) }
        let directory = projectDir.map { PathResolver.resolve($0, against: projectDirectory) }
            ?? URL(fileURLWithPath: absolute[0]).deletingLastPathComponent().path
        return Item(
            paths: absolute, projectDirectory: directory,
            envFiles: envFiles.map { PathResolver.resolve($0, against: projectDirectory) },
            location: node.location, path: path)
    }

    private func stringOrList(_ node: YAMLNode, _ path: String) -> [String]? {
        guard let items = node.items else { return context.string(node, path, what: "a path or a list of paths").map { [$0] } }
        let strings = items.enumerated().compactMap { context.string($1, DecodeContext.index(path, $0), what: "a path") }
        return strings.count == items.count ? strings : nil
    }

    /// The included project as one tree, ready to import: nil after a located error.
    private func load(_ item: Item, variables: [String: String], chain: [String]) -> YAMLNode? {
        for file in item.paths {
            if chain.contains(file) {
                let names = (chain.drop(while: { $0 != file }) + [file]).map { URL(fileURLWithPath: $0).lastPathComponent }
                context.error("include cycle: \(names.joined(separator: " → "))", at: item.location, path: item.path)
                return nil
            }
            if let problem = source.problem(file) {
                context.error("cannot include \(file): \(problem)", at: item.location, path: item.path)
                return nil
            }
        }
        guard let projectVariables = self.variables(for: item, inheriting: variables) else { return nil }
        let interpolation = TreeInterpolation(interpolator: Interpolator(variables: projectVariables), context: context)
        var merged: YAMLNode?
        for file in item.paths {
            switch source.read(file) {
            case .success(let tree):
                guard tree.entries != nil else {
                    context.error("expected \(file) to hold a mapping, found \(tree.foundDescription)", at: item.location, path: item.path)
                    return nil
                }
                let own = apply(
                    interpolation.apply(tree), projectDirectory: item.projectDirectory, variables: projectVariables,
                    chain: chain + [file])
                merged = merged.map { StackMerger.merge($0, own) } ?? own
            case .failure(let diagnostic):
                context.add(diagnostic)
                return nil
            }
        }
        guard let merged else { return nil }
        let absolute = RelativePaths.absolutize(merged, against: item.projectDirectory)
        let extended = ExtendsResolver(
            context: context, source: source, interpolation: interpolation, baseDirectory: item.projectDirectory
        ).resolve(absolute)
        return StackMerger.resolvingTags(extended)
    }

    /// The including project's variables, with what the item's env files (or its project
    /// directory's `.env`) set for the ones it leaves unset.
    private func variables(for item: Item, inheriting inherited: [String: String]) -> [String: String]? {
        var files = item.envFiles
        if files.isEmpty, source.readsDisk {
            let dotEnv = item.projectDirectory + "/.env"
            if FileManager.default.fileExists(atPath: dotEnv) { files = [dotEnv] }
        }
        var variables = inherited
        for file in files {
            guard source.readsDisk, FileManager.default.fileExists(atPath: file) else {
                let why = source.readsDisk ? "does not exist" : "is not part of the stack sent to the agent"
                context.error("the env file \(file) \(why)", at: item.location, path: item.path)
                return nil
            }
            for (key, value) in StackLoader.readEnvFile(file, environment: environment, context: context) where variables[key] == nil {
                variables[key] = value
            }
        }
        return variables
    }

    /// Adds the project's resources to `tree`, refusing a name already taken.
    private func importing(
        _ project: YAMLNode, into tree: YAMLNode, item: Item, imported: inout [String: [String: YAMLNode]]
    ) -> YAMLNode {
        guard var entries = tree.entries else { return tree }
        for kind in Self.resourceKinds {
            guard let added = project[kind]?.entries, !added.isEmpty else { continue }
            let index: Int
            if let found = entries.firstIndex(where: { $0.key == kind }), !entries[found].value.isNull {
                index = found
            } else {
                entries.removeAll { $0.key == kind }
                entries.append(.init(key: kind, keyLocation: item.location, value: YAMLNode(.mapping([]), at: item.location)))
                index = entries.count - 1
            }
            guard var existing = entries[index].value.entries else {
                context.expected("a mapping of names", entries[index].value, kind)
                continue
            }
            for entry in added {
                if let other = imported[kind]?[entry.key] {
                    // Two included projects may share a definition (a common network), as long as
                    // they define it alike.
                    if ConfigValue(other) == ConfigValue(entry.value) { continue }
                    context.error(
                        "\(kind.dropLast()) `\(entry.key)` of \(item.paths[0]) conflicts with the one another include defines",
                        at: item.location, path: item.path)
                    continue
                }
                if existing.contains(where: { $0.key == entry.key }) {
                    context.error(
                        "\(kind.dropLast()) `\(entry.key)` of \(item.paths[0]) is also defined by this file; rename one (Compose refuses such conflicts)",
                        at: item.location, path: item.path)
                    continue
                }
                existing.append(entry)
                imported[kind, default: [:]][entry.key] = entry.value
            }
            entries[index].value.value = .mapping(existing)
        }
        var copy = tree
        copy.value = .mapping(entries)
        return copy
    }
}
