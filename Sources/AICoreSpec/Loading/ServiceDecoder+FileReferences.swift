import AICorePaths

extension ServiceDecoder {
    /// `secrets:` or `configs:` of a service: `- name`, or `- {source, target, uid, gid, mode}`.
    /// Whether each source is declared at the top level is checked with the whole stack
    /// (`StackValidator+FileReferences`).
    func decodeFileReferences(_ node: YAMLNode, _ path: String, kind: FileReference.Kind) -> [FileReference] {
        guard let items = node.items else {
            context.expected("a list of \(kind.rawValue) names or mappings", node, path)
            return []
        }
        var result: [FileReference] = []
        var destinations: [String: String] = [:]
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            context.record(itemPath, at: item.location)
            let decoded: FileReference?
            if item.entries != nil {
                decoded = decodeLongFileReference(item, itemPath, kind: kind)
            } else if let name = context.string(item, itemPath, what: "a \(kind.rawValue) name or a mapping with `source`") {
                decoded = FileReference(source: name)
            } else {
                decoded = nil
            }
            guard let reference = decoded else { continue }
            let destination = reference.destination(kind)
            switch InstancePath.normalized(destination) {
            case .success:
                break
            case .failure:
                let targetPath = reference.target == nil ? itemPath : DecodeContext.join(itemPath, "target")
                context.error(
                    "expected a file name or an absolute path without . or .. components, found \"\(reference.target ?? reference.source)\"",
                    at: context.locate(targetPath) ?? item.location, path: targetPath)
                continue
            }
            if let other = destinations[destination] {
                context.error(
                    "\(destination) is already the target of \(other); give this \(kind.rawValue) another `target`",
                    at: item.location, path: itemPath)
                continue
            }
            destinations[destination] = "`\(reference.source)`"
            result.append(reference)
        }
        return result
    }

    private func decodeLongFileReference(_ node: YAMLNode, _ path: String, kind: FileReference.Kind) -> FileReference? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.fileReference) else { return nil }
        var reference = FileReference(source: "")
        var source: String?
        var valid = true
        for (key, value, keyPath, _) in entries {
            switch key {
            case "source":
                source = context.string(value, keyPath)
                valid = valid && source != nil
            case "target":
                if let text = context.string(value, keyPath), !text.isEmpty {
                    reference.target = text
                } else {
                    if value.scalar?.text == "" { context.expected("a file name or an absolute path", value, keyPath) }
                    valid = false
                }
            case "uid", "gid":
                let id = decodeOwnerID(value, keyPath)
                valid = valid && id != nil
                if key == "uid" { reference.uid = id } else { reference.gid = id }
            case "mode":
                reference.mode = decodeFileMode(value, keyPath)
                valid = valid && reference.mode != nil
            default:
                break
            }
        }
        guard let source else {
            if valid { context.error("a \(kind.rawValue) needs a `source`: the name of a top-level \(kind.rawValue)", at: node.location, path: path) }
            return nil
        }
        guard valid else { return nil }
        reference.source = source
        return reference
    }

    /// A numeric uid or gid, written as a number or a string of digits (Compose writes `"103"`).
    private func decodeOwnerID(_ node: YAMLNode, _ path: String) -> UInt32? {
        guard let text = node.scalar?.text, !(node.scalar?.isNull ?? true),
            let id = UInt32(text.trimmingCharacters(in: .whitespaces)), id != UInt32.max
        else {
            context.expected("a numeric id like 1000", node, path)
            return nil
        }
        return id
    }

    /// Permission bits, octal as everyone writes them (`0440`, `440`, `0o440`).
    private func decodeFileMode(_ node: YAMLNode, _ path: String) -> UInt32? {
        guard let text = node.scalar?.text, !(node.scalar?.isNull ?? true) else {
            context.expected("an octal mode like 0440", node, path)
            return nil
        }
        let digits = text.hasPrefix("0o") ? String(text.dropFirst(2)) : text
        guard !digits.isEmpty, let mode = UInt32(digits, radix: 8), mode <= 0o777 else {
            context.expected("an octal mode from 0 to 0777 like 0440", node, path)
            return nil
        }
        return mode
    }
}

extension ServiceDecoder {
    /// On the host's read-only root, a secret's or config's target must exist unless it lies
    /// in a tmpfs the runtime makes (`/run/secrets/…` does) or in one of the service's mounts:
    /// the same Compose habit as a volume's target, and the same warning.
    func warnAboutFileTargets(_ service: Service, path: String, mounts: [LocatedMount]) {
        guard service.image == nil && service.build == nil else { return }
        let mountPoints = Self.instanceMountPoints + mounts.map(\.mount.target)
        for (key, kind, references) in [("secrets", FileReference.Kind.secret, service.secrets), ("configs", .config, service.configs)] {
            for (offset, reference) in references.enumerated() {
                let target = reference.destination(kind)
                let inMount = mountPoints.contains { target.hasPrefix($0 == "/" ? "/" : $0 + "/") }
                if inMount || hostPathExists(target) { continue }
                let itemPath = DecodeContext.index(DecodeContext.join(path, key), offset)
                guard let location = context.locate(itemPath) else { continue }
                context.warning(
                    .composeHabit,
                    "\(kind.rawValue) target \(target) does not exist on the host: instances run on the host's root filesystem mounted read-only, so \(target) cannot be created and the instance fails to start; use a target under /run or /tmp, or create \(target) on the host",
                    at: location, path: itemPath)
            }
        }
    }
}
