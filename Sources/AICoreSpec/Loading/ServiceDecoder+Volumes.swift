import AICorePaths

extension ServiceDecoder {
    /// A decoded mount with the key path and place of the list item it came from.
    typealias LocatedMount = (mount: VolumeMount, path: String, location: SourceLocation)

    /// `volumes:` in short (`./data:/var/lib/x:ro`, `name:/path`, `/path`) or long form.
    func decodeVolumes(_ node: YAMLNode, _ path: String) -> [LocatedMount] {
        guard let items = node.items else {
            context.expected("a list of volumes", node, path)
            return []
        }
        var result: [LocatedMount] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            context.record(itemPath, at: item.location)
            let mount = item.entries != nil ? decodeLongVolume(item, itemPath) : decodeShortVolume(item, itemPath)
            guard let mount else { continue }
            if result.contains(where: { $0.mount.target == mount.target }) {
                context.error("two volumes are mounted at \(mount.target)", at: item.location, path: itemPath)
                continue
            }
            result.append((mount, itemPath, item.location))
        }
        return result
    }

    private func decodeShortVolume(_ node: YAMLNode, _ path: String) -> VolumeMount? {
        guard let text = context.string(node, path, what: "a volume like \"./data:/data:ro\" or a mapping") else {
            return nil
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts.dropFirst().contains(where: \.isEmpty), !text.isEmpty else {
            context.error("expected SOURCE:TARGET[:MODE] or TARGET, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        if parts.count == 1 {
            return absoluteTarget(parts[0], node, path).map { VolumeMount(kind: .volume, source: nil, target: $0) }
        }
        guard let target = absoluteTarget(parts[1], node, path) else { return nil }
        let source = parts[0]
        if source.isEmpty {
            // Usually an unset variable; Compose mounts an anonymous volume then, and so do we.
            context.warning(
                .notice, "the volume source is empty; an anonymous volume is mounted at \(target)", at: node.location,
                path: path)
            return VolumeMount(kind: .volume, source: nil, target: target, readOnly: parts.count == 3 && parts[2] == "ro")
        }
        var mount: VolumeMount
        if source.hasPrefix("/") || source.hasPrefix(".") || source.hasPrefix("~") {
            mount = VolumeMount(
                kind: .bind, source: PathResolver.resolve(source, against: baseDirectory), target: target,
                createHostPath: true)
        } else if Self.isValidVolumeName(source) {
            mount = VolumeMount(kind: .volume, source: source, target: target)
        } else {
            context.error(
                "\"\(source)\" is neither a path (start it with ./ or /) nor a volume name", at: node.location, path: path)
            return nil
        }
        if parts.count == 3 {
            for option in parts[2].split(separator: ",").map(String.init) {
                switch option {
                case "ro": mount.readOnly = true
                case "rw": mount.readOnly = false
                case "nocopy": mount.noCopy = true
                case "z", "Z", "consistent", "cached", "delegated": break
                case "shared", "rshared", "slave", "rslave", "private", "rprivate": mount.propagation = option
                default:
                    context.error(
                        "unknown volume option \"\(option)\"; expected ro, rw, nocopy or a propagation mode",
                        at: node.location, path: path)
                }
            }
        }
        return mount
    }

    private func decodeLongVolume(_ node: YAMLNode, _ path: String) -> VolumeMount? {
        guard let entries = context.entries(node, path, catalog: ComposeKeys.volumeMount) else { return nil }
        var kind: VolumeMount.Kind?
        var source: String?
        var target: String?
        var mount = VolumeMount(kind: .volume, source: nil, target: "/")
        var valid = true
        for (key, value, keyPath, _) in entries {
            switch key {
            case "type":
                guard let text = context.string(value, keyPath) else {
                    valid = false
                    continue
                }
                kind = VolumeMount.Kind(rawValue: text)
                if kind == nil {
                    valid = false
                    if ["npipe", "cluster", "image"].contains(text) {
                        context.warning(
                            .unsupported, "volume type `\(text)` is not supported", at: value.location, path: keyPath)
                    } else {
                        context.error(
                            "expected one of `bind`, `volume`, `tmpfs`, found \"\(text)\"", at: value.location, path: keyPath)
                    }
                }
            case "source":
                source = context.string(value, keyPath)
            case "target":
                if let text = context.string(value, keyPath) {
                    target = absoluteTarget(text, value, keyPath)
                }
                valid = valid && target != nil
            case "read_only":
                mount.readOnly = context.bool(value, keyPath) ?? false
            case "bind":
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.bindOptions) ?? [] {
                    if key == "propagation" { mount.propagation = context.string(value, keyPath) }
                    if key == "create_host_path" { mount.createHostPath = context.bool(value, keyPath) ?? false }
                }
            case "volume":
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.volumeOptions) ?? [] {
                    if key == "nocopy" { mount.noCopy = context.bool(value, keyPath) ?? false }
                    if key == "subpath" { mount.subpath = decodeSubpath(value, keyPath) }
                }
            case "tmpfs":
                for (key, value, keyPath, _) in context.entries(value, keyPath, catalog: ComposeKeys.tmpfsOptions) ?? [] {
                    if key == "size" { mount.tmpfsSize = context.byteSize(value, keyPath) }
                    if key == "mode" { mount.tmpfsMode = decodeMode(value, keyPath) }
                }
            default:
                break
            }
        }
        guard valid else { return nil }
        guard let kind else {
            context.error("a volume needs a `type`: bind, volume or tmpfs", at: node.location, path: path)
            return nil
        }
        guard let target else {
            context.error("a volume needs a `target`", at: node.location, path: path)
            return nil
        }
        mount.kind = kind
        mount.target = target
        switch kind {
        case .bind:
            guard let source else {
                context.error("a bind mount needs a `source` path", at: node.location, path: path)
                return nil
            }
            mount.source = PathResolver.resolve(source, against: baseDirectory)
        case .volume:
            if let source, !Self.isValidVolumeName(source) {
                context.error("\"\(source)\" is not a valid volume name", at: node.location, path: path)
                return nil
            }
            mount.source = source
        case .tmpfs:
            if source != nil {
                context.error("a tmpfs mount takes no `source`", at: node.location, path: path)
                return nil
            }
        }
        return mount
    }

    /// `tmpfs: /run` or a list of `PATH[:size=64m,mode=1777]`.
    func decodeTmpfs(_ node: YAMLNode, _ path: String) -> [LocatedMount] {
        let items: [(String, YAMLNode, String)]
        if let list = node.items {
            items = list.enumerated().compactMap { offset, item in
                let itemPath = DecodeContext.index(path, offset)
                return context.string(item, itemPath).map { ($0, item, itemPath) }
            }
        } else if let text = context.string(node, path, what: "a path or a list of paths") {
            items = [(text, node, path)]
        } else {
            return []
        }
        var result: [LocatedMount] = []
        for (text, item, itemPath) in items {
            let pieces = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard let first = pieces.first, let target = absoluteTarget(first, item, itemPath) else { continue }
            var mount = VolumeMount(kind: .tmpfs, source: nil, target: target)
            for option in pieces.count > 1 ? pieces[1].split(separator: ",").map(String.init) : [] {
                let pair = option.split(separator: "=", maxSplits: 1).map(String.init)
                switch (pair.first ?? "", pair.count > 1 ? pair[1] : nil) {
                case ("size", let value?):
                    guard let size = ByteSize(parsing: value) else {
                        context.error("expected a size like 64m, found \"\(value)\"", at: item.location, path: itemPath)
                        continue
                    }
                    mount.tmpfsSize = size
                case ("mode", let value?):
                    guard let mode = UInt32(value, radix: 8), mode <= 0o7777 else {
                        context.error("expected an octal mode like 1777, found \"\(value)\"", at: item.location, path: itemPath)
                        continue
                    }
                    mount.tmpfsMode = mode
                case ("ro", nil): mount.readOnly = true
                case ("rw", nil): mount.readOnly = false
                case ("noexec", nil), ("nosuid", nil), ("nodev", nil), ("exec", nil), ("suid", nil), ("dev", nil): break
                default:
                    context.error(
                        "unknown tmpfs option \"\(option)\"; expected size=, mode=, ro, rw, noexec, nosuid or nodev",
                        at: item.location, path: itemPath)
                }
            }
            result.append((mount, itemPath, item.location))
        }
        return result
    }

    private func decodeMode(_ node: YAMLNode, _ path: String) -> UInt32? {
        // Written as digits, a mode means octal (1777), as everyone reads it.
        guard let text = context.string(node, path), let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
            context.expected("an octal mode like 1777", node, path)
            return nil
        }
        return mode
    }

    /// A mount target, by the rule `run -v` follows too (`InstancePath`): absolute, no `.` or
    /// `..` component, not `/`.
    private func absoluteTarget(_ text: String, _ node: YAMLNode, _ path: String) -> String? {
        switch InstancePath.normalized(text) {
        case let .success(target):
            return target
        case .failure(.relative):
            context.error("expected an absolute path inside the instance, found \"\(text)\"", at: node.location, path: path)
        case .failure(.dotComponent):
            context.error(
                "expected a path inside the instance without . or .. components, found \"\(text)\"", at: node.location, path: path)
        case .failure(.root):
            context.error("expected a path below / inside the instance, found \"\(text)\"", at: node.location, path: path)
        }
        return nil
    }

    static func isValidVolumeName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// A directory inside the volume, relative and within it: `..`, `.` and absolute paths are
    /// refused, so a subpath never names anything outside its volume.
    private func decodeSubpath(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = context.string(node, path) else { return nil }
        let components = text.split(separator: "/")
        if text.hasPrefix("/") || components.isEmpty {
            context.error("expected a relative path inside the volume, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        if components.contains("..") || components.contains(".") {
            context.error("expected a path without . or .. components, found \"\(text)\"", at: node.location, path: path)
            return nil
        }
        return components.joined(separator: "/")
    }
}
