import Foundation

/// `build:`: the short form (a context directory) or the long one. Paths are checked here, where
/// a finding can point at the line that names them: a context or Dockerfile that is not there
/// yet is a warning (`docker compose config` accepts it), checked again when the image is built.
extension ServiceDecoder {
    func decodeBuild(_ node: YAMLNode, _ path: String) -> BuildSettings? {
        if node.scalar != nil {
            guard let written = context.string(node, path, what: "a context directory or a mapping") else { return nil }
            guard let directory = buildContext(written, at: node.location, path: path) else { return nil }
            checkDefaultDockerfile(in: directory, at: node.location, path: path)
            return BuildSettings(context: directory)
        }
        guard let entries = context.entries(node, path, catalog: ComposeKeys.build) else { return nil }
        var valid = true
        var contextDirectory: String?
        var contextWritten = false
        var dockerfile: (text: String, location: SourceLocation, path: String)?
        var settings = BuildSettings(context: "")
        for (key, value, keyPath, _) in entries {
            switch key {
            case "context":
                contextWritten = true
                guard let written = context.string(value, keyPath, what: "a directory") else {
                    valid = false
                    continue
                }
                contextDirectory = buildContext(written, at: value.location, path: keyPath)
                if contextDirectory == nil { valid = false }
            case "dockerfile":
                guard let text = context.string(value, keyPath, what: "a file path") else {
                    valid = false
                    continue
                }
                dockerfile = (text, value.location, keyPath)
            case "dockerfile_inline":
                guard let text = context.string(value, keyPath, what: "the Dockerfile's text") else {
                    valid = false
                    continue
                }
                settings.dockerfileInline = text
            case "target":
                settings.target = context.string(value, keyPath, what: "a stage name")
                if settings.target == nil { valid = false }
            case "args":
                for (name, argument, _, _) in context.listOrDict(value, keyPath) ?? [] {
                    // As Compose: a bare name takes the environment's value, or is left out.
                    if let resolved = argument ?? variables[name] { settings.args[name] = resolved }
                }
            case "labels":
                for (name, label, _, _) in context.listOrDict(value, keyPath) ?? [] {
                    settings.labels[name] = label ?? ""
                }
            case "tags":
                guard let items = value.items else {
                    context.expected("a list of image names", value, keyPath)
                    valid = false
                    continue
                }
                for (offset, item) in items.enumerated() {
                    let itemPath = DecodeContext.index(keyPath, offset)
                    guard let tag = context.string(item, itemPath, what: "an image name") else { continue }
                    if Self.isPlausibleImageName(tag) {
                        settings.tags.append(tag)
                    } else {
                        context.error("expected an image name like registry/name:tag, found \"\(tag)\"", at: item.location, path: itemPath)
                        valid = false
                    }
                }
            case "no_cache":
                settings.noCache = context.bool(value, keyPath) ?? false
            case "pull":
                settings.pull = context.bool(value, keyPath) ?? false
            case "platforms":
                settings.platforms = decodeBuildPlatforms(value, keyPath)
            default:
                break
            }
        }
        if !contextWritten {
            // Compose's default context is the project directory.
            contextDirectory = buildContext(".", at: node.location, path: DecodeContext.join(path, "context"))
        }
        guard valid, let contextDirectory else { return nil }
        settings.context = contextDirectory
        if let dockerfile {
            guard settings.dockerfileInline == nil else {
                context.error("set either `dockerfile` or `dockerfile_inline`, not both", at: dockerfile.location, path: dockerfile.path)
                return nil
            }
            // Relative to the context, as Compose resolves it.
            let file = PathResolver.resolve(dockerfile.text, against: contextDirectory)
            if !FileManager.default.fileExists(atPath: file) {
                // As `docker compose config`: a checkout may not be complete where it is validated.
                context.warning(.composeHabit, "the Dockerfile \(file) does not exist: building the image fails until it does",
                                at: dockerfile.location, path: dockerfile.path)
            } else if !Self.isRegularFile(file) {
                context.error("the Dockerfile \(file) is not a file", at: dockerfile.location, path: dockerfile.path)
                return nil
            }
            settings.dockerfile = file
        } else if settings.dockerfileInline == nil {
            checkDefaultDockerfile(in: contextDirectory, at: node.location, path: path)
        }
        return settings
    }

    /// The context directory `written` names, absolute; nil (with the error) when it is not one.
    private func buildContext(_ written: String, at location: SourceLocation, path: String) -> String? {
        if written.contains("://") || written.hasPrefix("git@") {
            context.error(
                "expected a directory on this node, found \"\(written)\": a Git or URL context is not supported; clone it and name the directory",
                at: location, path: path)
            return nil
        }
        let directory = PathResolver.resolve(written, against: baseDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            // A Compose habit, not an error: `docker compose config` accepts it, and a Compose
            // file is often checked (or listed) apart from the sources it builds.
            context.warning(.composeHabit, "the build context \(directory) does not exist: building the image fails until it does",
                            at: location, path: path)
            return directory
        }
        guard isDirectory.boolValue else {
            context.error("the build context \(directory) is not a directory", at: location, path: path)
            return nil
        }
        return directory
    }

    /// With no `dockerfile`, the context must hold a `Dockerfile` (or buildah's `Containerfile`)
    /// by the time it is built; a context that does not exist was warned about already.
    private func checkDefaultDockerfile(in directory: String, at location: SourceLocation, path: String) {
        guard FileManager.default.fileExists(atPath: directory) else { return }
        if Self.isRegularFile(directory + "/Dockerfile") || Self.isRegularFile(directory + "/Containerfile") { return }
        context.warning(
            .composeHabit,
            "the build context \(directory) has no Dockerfile: building the image fails until it has one (or name it with `dockerfile`, or write `dockerfile_inline`)",
            at: location, path: path)
    }

    /// Only the node's own platform can be built: buildah would need binfmt emulation for others.
    private func decodeBuildPlatforms(_ node: YAMLNode, _ path: String) -> [String] {
        guard let platforms = context.stringList(node, path), let items = node.items else { return [] }
        var result: [String] = []
        for (offset, platform) in platforms.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            let parts = platform.split(separator: "/", omittingEmptySubsequences: false)
            guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else {
                context.error("expected os/architecture[/variant], e.g. linux/amd64, found \"\(platform)\"", at: items[offset].location, path: itemPath)
                continue
            }
            let node = "linux/\(Self.nodeArchitecture)"
            if parts[0].lowercased() != "linux" || Self.ociArchitecture(String(parts[1])) != Self.nodeArchitecture {
                context.warning(
                    .unsupported,
                    "`\(platform)` cannot be built here: buildah on this node builds only \(node) (there is no emulation)",
                    at: items[offset].location, path: itemPath)
                continue
            }
            result.append(platform)
        }
        return result
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// A name the image store could take: the store checks it fully when the image is built;
    /// this catches what is plainly not a name (spaces, nothing).
    static func isPlausibleImageName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains(where: \.isWhitespace)
            && !name.hasPrefix("/") && !name.hasPrefix(":")
    }
}
