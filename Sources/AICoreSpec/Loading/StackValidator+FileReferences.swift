extension StackValidator {
    /// Each secret or config a service names must be declared at the top level.
    func checkFileReferences(_ service: Service, path: String, stack: Stack) {
        for (key, kind, references, definitions) in [
            ("secrets", FileReference.Kind.secret, service.secrets, stack.secrets), ("configs", .config, service.configs, stack.configs),
        ] {
            for (offset, reference) in references.enumerated() where !definitions.contains(where: { $0.key == reference.source }) {
                let itemPath = "\(path).\(key)[\(offset)]"
                let catalog = KeyCatalog(key, supported: definitions.map(\.key))
                let hint = catalog.suggestion(for: reference.source).map { "; did you mean `\($0)`?" } ?? ""
                context.add(
                    .error(
                        "refers to undefined \(kind.rawValue) `\(reference.source)`\(hint); declare it under the top-level `\(key):`",
                        at: context.locate(itemPath), path: itemPath))
            }
        }
    }

    /// Gives each reference its definition's source, so that a service carries what its
    /// instances need to read at start (the value itself is read then, never stored).
    static func attachingFileDefinitions(_ stack: Stack) -> Stack {
        var stack = stack
        func attach(_ references: [FileReference], _ definitions: [FileObjectDefinition]) -> [FileReference] {
            references.map { reference in
                var copy = reference
                copy.definition = definitions.first { $0.key == reference.source }?.source
                return copy
            }
        }
        stack.services = stack.services.map { service in
            var copy = service
            copy.secrets = attach(service.secrets, stack.secrets)
            copy.configs = attach(service.configs, stack.configs)
            return copy
        }
        return stack
    }
}
