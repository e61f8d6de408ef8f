import Foundation

/// Loads stack files: read, interpolate, merge, decode, filter by profile, validate.
/// Every problem of every file is reported together; nothing is returned half-loaded.
public enum StackLoader {
    /// `network_mode: service:NAME` joins NAME's first instance's namespace: NAME starts first,
    /// and an operator's restart of it restarts this one too (its namespace is a new one), as
    /// Compose recreates such a container with its target.
    static func dependingOnSharedNetwork(_ service: Service) -> Service {
        guard case let .service(target)? = service.networkMode, !service.dependsOn.contains(where: { $0.service == target }) else {
            return service
        }
        var service = service
        service.dependsOn.append(ServiceDependency(service: target, condition: .serviceStarted, restart: true))
        return service
    }

    public static func load(_ options: StackLoadOptions) throws(StackLoadError) -> LoadedStack {
        guard let firstFile = options.files.first else {
            throw StackLoadError(diagnostics: [
                Diagnostic(severity: .error, kind: .invalid, location: nil, keyPath: "", message: "no stack file given (use -f FILE)")
            ])
        }
        let context = DecodeContext()
        context.allowsPrivileged = options.allowsPrivileged
        context.defaultLogging = options.defaultLogging
        let baseDirectory = URL(fileURLWithPath: firstFile).deletingLastPathComponent().standardizedFileURL.path
        let variables = resolveVariables(options, baseDirectory: baseDirectory, context: context)
        let interpolation = TreeInterpolation(interpolator: Interpolator(variables: variables), context: context)

        let source = StackSource(contents: options.contents)
        let includes = IncludeResolver(context: context, source: source, environment: options.environment)
        var merged: YAMLNode?
        for file in options.files {
            let read = options.contents[file].map { YAMLReader.parse($0, file: file) } ?? YAMLReader.read(path: file)
            switch read {
            case .success(let tree):
                guard tree.entries != nil else {
                    context.add(
                        .error("expected a mapping with `services` at the top of the file, found \(tree.foundDescription)", at: tree.location, path: ""))
                    continue
                }
                let interpolated = includes.apply(
                    interpolation.apply(tree), projectDirectory: baseDirectory, variables: variables,
                    chain: [URL(fileURLWithPath: file).standardizedFileURL.path])
                merged = merged.map { StackMerger.merge($0, interpolated) } ?? interpolated
            case .failure(let diagnostic):
                context.add(diagnostic)
            }
        }
        guard var merged, !context.hasErrors else { throw StackLoadError(diagnostics: context.diagnostics) }
        merged = ExtendsResolver(context: context, source: source, interpolation: interpolation, baseDirectory: baseDirectory)
            .resolve(merged)
        merged = StackMerger.resolvingTags(merged)
        guard !context.hasErrors else { throw StackLoadError(diagnostics: context.diagnostics) }

        let projectName = options.projectName ?? variables["COMPOSE_PROJECT_NAME"]
        if let projectName, !StackName.isValid(projectName) {
            context.add(
                Diagnostic(
                    severity: .error, kind: .invalid, location: nil, keyPath: "",
                    message: "invalid project name \"\(projectName)\": use lowercase letters, digits, '-' and '_'"))
        }
        let decoder = StackDecoder(
            context: context, baseDirectory: baseDirectory, variables: variables, hostPathExists: options.hostPathExists,
            hostSymlink: options.hostSymlink, fallbackName: StackName.sanitize(URL(fileURLWithPath: baseDirectory).lastPathComponent),
            overrideName: projectName)
        guard var stack = decoder.decode(merged) else { throw StackLoadError(diagnostics: context.diagnostics) }
        stack.services = VolumesFromResolver(context: context).resolve(stack.services)

        let profiles = activeProfiles(options, variables: variables)
        let definedServices = Set(stack.services.map(\.name))
        stack.services = applyProfiles(stack.services, active: profiles, context: context)
        StackValidator(context: context, definedServices: definedServices).validate(stack)

        var diagnostics = context.diagnostics
        if options.strict {
            diagnostics = diagnostics.map { $0.blocksRun ? $0.promotedToError() : $0 }
        }
        diagnostics = sorted(deduplicated(diagnostics))
        if diagnostics.contains(where: \.isError) {
            throw StackLoadError(diagnostics: diagnostics)
        }
        stack.services = stack.services.map(Self.dependingOnSharedNetwork)
        stack.services = stack.services.map { Self.namingBuiltImage($0, stack: stack.name) }
        stack = StackValidator.attachingFileDefinitions(stack)
        var loaded = LoadedStack(stack: stack, warnings: diagnostics, locations: context.locations)
        loaded.variables = variables
        return loaded
    }

    /// Process environment, overridden by `.env` only where unset, then by `--env-file` files.
    private static func resolveVariables(
        _ options: StackLoadOptions, baseDirectory: String, context: DecodeContext
    ) -> [String: String] {
        var variables = options.environment
        let dotEnv = baseDirectory + "/.env"
        if options.readsDotEnv, options.envFiles.isEmpty, FileManager.default.fileExists(atPath: dotEnv) {
            for (key, value) in readEnvFile(dotEnv, environment: options.environment, context: context) where variables[key] == nil {
                variables[key] = value
            }
        }
        for file in options.envFiles {
            guard FileManager.default.fileExists(atPath: file) else {
                context.add(YAMLReader.fileError(file, "no such env file"))
                continue
            }
            variables.merge(readEnvFile(file, environment: options.environment, context: context)) { _, fromFile in fromFile }
        }
        return variables
    }

    /// A bare `KEY` line takes its value from `environment` (the injected process environment).
    static func readEnvFile(_ path: String, environment: [String: String], context: DecodeContext) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            context.add(YAMLReader.fileError(path, "cannot be read"))
            return [:]
        }
        switch EnvFileParser.parse(text) {
        case .success(let entries):
            var values: [String: String] = [:]
            for entry in entries {
                if let value = entry.value ?? environment[entry.key] { values[entry.key] = value }
            }
            return values
        case .failure(let failure):
            context.add(.error(failure.message, at: SourceLocation(file: path, line: failure.line, column: failure.column), path: ""))
            return [:]
        }
    }

    private static func activeProfiles(_ options: StackLoadOptions, variables: [String: String]) -> Set<String> {
        var profiles = Set(options.profiles)
        if let fromEnvironment = variables["COMPOSE_PROFILES"] {
            profiles.formUnion(fromEnvironment.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return profiles
    }

    /// Keeps services with no profile or an active one; a kept service may not require a dropped one.
    private static func applyProfiles(_ services: [Service], active: Set<String>, context: DecodeContext) -> [Service] {
        let enabled = services.filter { $0.profiles.isEmpty || active.contains("*") || !active.isDisjoint(with: $0.profiles) }
        let enabledNames = Set(enabled.map(\.name))
        for service in enabled {
            for dependency in service.dependsOn where dependency.required && !enabledNames.contains(dependency.service) {
                guard let disabled = services.first(where: { $0.name == dependency.service }) else { continue }
                let path = "services.\(service.name).depends_on.\(dependency.service)"
                let names = disabled.profiles.map { "`\($0)`" }.joined(separator: ", ")
                context.add(
                    .error(
                        "depends on `\(dependency.service)`, which is only enabled by profile \(names); activate it with --profile or make the dependency `required: false`",
                        at: context.locate(path), path: path))
            }
        }
        return enabled.map { service in
            var copy = service
            copy.dependsOn = service.dependsOn.filter { enabledNames.contains($0.service) || $0.required }
            return copy
        }
    }

    /// File order, then line and column; findings without a place first.
    private static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        let fileOrder = Dictionary(diagnostics.compactMap(\.location?.file).enumerated().map { ($1, $0) }) { first, _ in first }
        return diagnostics.enumerated().sorted { lhs, rhs in
            let a = lhs.element.location
            let b = rhs.element.location
            let keyA = (a.map { fileOrder[$0.file] ?? 0 } ?? -1, a?.line ?? 0, a?.column ?? 0, lhs.offset)
            let keyB = (b.map { fileOrder[$0.file] ?? 0 } ?? -1, b?.line ?? 0, b?.column ?? 0, rhs.offset)
            return keyA < keyB
        }.map(\.element)
    }

    /// One finding per place: a value an extended service holds is decoded again in every
    /// service that extends it, and its finding is reported once, under the key path it was
    /// first found at.
    private static func deduplicated(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        var placed: Set<String> = []
        return diagnostics.filter { diagnostic in
            guard seen.insert(diagnostic).inserted else { return false }
            guard let at = diagnostic.location else { return true }
            return placed.insert("\(at.file):\(at.line):\(at.column)\u{0}\(diagnostic.severity)\u{0}\(diagnostic.kind)\u{0}\(diagnostic.message)").inserted
        }
    }

    /// A service built with no `image` is stored under `<project>-<service>:latest`, as Compose
    /// names it; the name is known only once the stack's is.
    static func namingBuiltImage(_ service: Service, stack: String) -> Service {
        guard service.image == nil, var build = service.build else { return service }
        var named = service
        build.imageIsGenerated = true
        named.build = build
        named.image = BuildSettings.generatedImageName(stack: stack, service: service.name)
        return named
    }
}
