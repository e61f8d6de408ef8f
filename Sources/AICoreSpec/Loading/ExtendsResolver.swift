import Foundation

/// Resolves `services.<name>.extends` (`extends: base`, or `{service, file}`), as Compose does:
/// the extended service is resolved first (chains across files, cycles refused), then the
/// extending service is merged over it by the rules `-f` files merge by (`StackMerger`), so
/// `!reset` and `!override` in the extending service apply too. A file named by `extends.file`
/// is read with the project's variables and its relative paths resolve against its own
/// directory. Like Compose, nothing else comes with an extended service: the services, networks
/// and volumes its `depends_on` or `networks` name must be declared where it is used.
///
/// Not Sendable: one load owns one resolver, as it owns its `DecodeContext`.
final class ExtendsResolver {
    /// A service of the tree being resolved (`file` nil) or of a file named by `extends.file`.
    private struct Key: Hashable {
        var file: String?
        var service: String
    }

    private let context: DecodeContext
    private let source: StackSource
    private let interpolation: TreeInterpolation
    /// What a relative `extends.file` written in the tree itself is relative to.
    private let baseDirectory: String
    private var own: [String: YAMLNode] = [:]
    /// The services of each file named by `extends.file`; nil when it failed to load.
    private var files: [String: [String: YAMLNode]?] = [:]
    private var resolved: [Key: YAMLNode] = [:]

    init(context: DecodeContext, source: StackSource, interpolation: TreeInterpolation, baseDirectory: String) {
        self.context = context
        self.source = source
        self.interpolation = interpolation
        self.baseDirectory = baseDirectory
    }

    static let catalog = KeyCatalog("extends", supported: ["service", "file"])

    func resolve(_ tree: YAMLNode) -> YAMLNode {
        guard var rootEntries = tree.entries, let servicesIndex = rootEntries.firstIndex(where: { $0.key == "services" }),
            var services = rootEntries[servicesIndex].value.entries,
            services.contains(where: { $0.value["extends"] != nil })
        else {
            return tree
        }
        own = Dictionary(services.map { ($0.key, $0.value) }) { first, _ in first }
        for index in services.indices where services[index].value["extends"] != nil {
            if let service = resolveService(Key(file: nil, service: services[index].key), chain: []) {
                services[index].value = service
            }
        }
        rootEntries[servicesIndex].value.value = .mapping(services)
        var copy = tree
        copy.value = .mapping(rootEntries)
        return copy
    }

    private func node(_ key: Key) -> YAMLNode? {
        guard let file = key.file else { return own[key.service] }
        return files[file]??[key.service]
    }

    private func resolveService(_ key: Key, chain: [Key]) -> YAMLNode? {
        if let done = resolved[key] { return done }
        guard let node = node(key) else { return nil }
        guard let extendsNode = node["extends"], var entries = node.entries else { return node }
        entries.removeAll { $0.key == "extends" }
        var withoutExtends = node
        withoutExtends.value = .mapping(entries)
        resolved[key] = withoutExtends

        let path = "services.\(key.service).extends"
        guard let target = self.target(of: extendsNode, path, in: key) else { return withoutExtends }
        if target == key || chain.contains(target) {
            let names = (chain.drop(while: { $0 != target }) + [key, target]).map(describe)
            context.error(
                "extends cycle: \(names.joined(separator: " → ")); a service cannot extend itself, directly or not",
                at: extendsNode.location, path: path)
            return withoutExtends
        }
        guard let base = resolveService(target, chain: chain + [key]) else { return withoutExtends }
        let merged = StackMerger.mergeService(base, withoutExtends, name: key.service)
        resolved[key] = merged
        return merged
    }

    /// The service `extends` names, loaded; errors located at what names it.
    private func target(of node: YAMLNode, _ path: String, in key: Key) -> Key? {
        var serviceNode = node
        var servicePath = path
        var file = key.file
        if node.entries != nil {
            guard let entries = context.entries(node, path, catalog: Self.catalog) else { return nil }
            guard let named = entries.first(where: { $0.key == "service" }) else {
                context.error("`extends` needs the `service` to extend", at: node.location, path: path)
                return nil
            }
            serviceNode = named.value
            servicePath = named.path
            if let fileEntry = entries.first(where: { $0.key == "file" }) {
                guard let written = context.string(fileEntry.value, fileEntry.path, what: "a file path") else { return nil }
                let directory = key.file.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? baseDirectory
                let absolute = PathResolver.resolve(written, against: directory)
                guard load(absolute, at: fileEntry.value, fileEntry.path) else { return nil }
                file = absolute
            }
        } else if node.scalar == nil || node.isNull {
            context.expected("a service name, or a mapping with `service` and `file`", node, path)
            return nil
        }
        guard let service = context.string(serviceNode, servicePath, what: "a service name") else { return nil }
        let target = Key(file: file, service: service)
        guard self.node(target) != nil else {
            let place = file.map { "in \($0)" } ?? "in this stack"
            context.error("extends service `\(service)`, which is not defined \(place)", at: serviceNode.location, path: servicePath)
            return nil
        }
        return target
    }

    /// Reads a file `extends.file` names, once; false (with a located error) when it cannot be.
    private func load(_ file: String, at node: YAMLNode, _ path: String) -> Bool {
        if let known = files[file] { return known != nil }
        files[file] = .some(nil)
        if let problem = source.problem(file) {
            context.error("cannot extend a service of \(file): \(problem)", at: node.location, path: path)
            return false
        }
        switch source.read(file) {
        case .success(let tree):
            let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
            let absolute = RelativePaths.absolutize(interpolation.apply(tree), against: directory)
            guard let services = absolute["services"]?.entries else {
                let found = absolute["services"]?.foundDescription ?? "none"
                context.error("expected \(file) to have a `services` mapping, found \(found)", at: node.location, path: path)
                return false
            }
            files[file] = Dictionary(services.map { ($0.key, $0.value) }) { first, _ in first }
            return true
        case .failure(let diagnostic):
            context.add(diagnostic)
            return false
        }
    }

    private func describe(_ key: Key) -> String {
        key.file.map { "\(key.service) (\(URL(fileURLWithPath: $0).lastPathComponent))" } ?? key.service
    }
}
