import AICoreErrors
import AICoreImages
import AICoreSpec
import AICoreSystem
import Foundation

/// Images built from a service's `build:` (`build`, `up --build`, `pull_policy: build`), by
/// buildah on this node, into the node's image store.
extension ControlPlane {
    /// What a build of a stack's services was asked to do besides what the file says.
    public struct BuildOptions: Sendable, Equatable {
        /// Only these services (all with a `build` when empty).
        public var services: [String] = []
        /// `build --no-cache`: every step again, whatever the file's `no_cache`.
        public var noCache = false
        /// `build --pull`: the base images again, whatever the file's `pull`.
        public var pull = false

        public init(services: [String] = [], noCache: Bool = false, pull: Bool = false) {
            self.services = services
            self.noCache = noCache
            self.pull = pull
        }
    }

    /// The builder: its storage (and layer cache) in the state directory, base images from the
    /// node's registries configuration, credentials from `login`'s file.
    nonisolated var imageBuilder: ImageBuilder {
        ImageBuilder(
            root: configuration.stateDirectory + "/build",
            registries: RegistryConfiguration(insecure: configuration.registryInsecure, mirrors: configuration.registryMirrors),
            authFile: configuration.stateDirectory + "/auth.json")
    }

    /// The services of a stack file sent over the API that `options` asks to build, in the
    /// file's order; refused (before anything is built) for a name that is not a service, or a
    /// service that has no `build`.
    public nonisolated func servicesToBuild(text: String, path: String, projectName: String?,
                                            options: BuildOptions) async throws(AICoreError) -> [Service] {
        // As `config validate` without --strict: a key aicore-node cannot run does not stop a build.
        let stack = try await Self.loadSent(text: text, path: path, projectName: projectName, strict: false,
                                            allowsPrivileged: configuration.allowPrivileged).stack
        for name in options.services {
            guard let service = stack.service(named: name) else {
                throw AICoreError(.notFound, "no service \(name) in stack \(stack.name)")
            }
            guard service.build != nil else {
                throw AICoreError(.badRequest, "service \(name) has no `build` section: its image is pulled, not built")
            }
        }
        let chosen = stack.services.filter { $0.build != nil && (options.services.isEmpty || options.services.contains($0.name)) }
        // The loader only warns about sources not there yet (as `docker compose config`); a build
        // needs them, and says so before it streams anything.
        let missing = chosen.compactMap(Self.missingBuildSource)
        guard missing.isEmpty else {
            throw AICoreError(.invalidSpec, missing.joined(separator: "; "))
        }
        return chosen
    }

    /// What of `service`'s build context and Dockerfile is not on this node; nil when both are.
    static func missingBuildSource(_ service: Service) -> String? {
        guard let build = service.build else { return nil }
        return ImageBuilder.missingSource(context: build.context, dockerfile: build.dockerfile, dockerfileInline: build.dockerfileInline)
            .map { "service \(service.name): \($0)" }
    }

    /// Builds `service`'s image and stores it under its `image` and `tags`; `output` gets each
    /// line buildah writes.
    public nonisolated func buildImage(_ service: Service, options: BuildOptions = BuildOptions(),
                                       output: @escaping @Sendable (String) -> Void) async throws(AICoreError) -> ImageStatus {
        let images = try await imageService()
        guard let settings = service.build, let image = service.image else {
            throw AICoreError(.badRequest, "service \(service.name) has no `build` section")
        }
        var request: ImageBuildRequest
        do {
            let names = try ([image] + settings.tags).map { text throws(AICoreError) in try ImageReference(parsing: text) }
            request = ImageBuildRequest(names: names, context: settings.context)
        } catch {
            throw error.prefixed("service \(service.name)")
        }
        request.dockerfile = settings.dockerfile
        request.dockerfileInline = settings.dockerfileInline
        request.target = settings.target
        request.args = settings.args
        request.labels = settings.labels
        request.noCache = settings.noCache || options.noCache
        request.pull = settings.pull || options.pull
        request.platform = settings.platforms.first
        logger.info("building \(image)", metadata: ["service": "\(service.name)"])
        let records: [ImageRecord]
        do {
            records = try await imageBuilder.build(request, into: images, output: output)
        } catch {
            throw error.prefixed("building the image of service \(service.name)")
        }
        let users = await imageUsers()
        return ImageStatus(records[0], usedBy: users[records[0].name] ?? [])
    }

    /// Builds, before an apply starts anything, each image of `stack` that the node lacks (a
    /// client that applies without building first, as `up` does through the build endpoint).
    func ensureBuiltImages(_ stack: Stack, report: @escaping @Sendable (String) async -> Void) async throws(AICoreError) {
        guard stack.services.contains(where: { $0.build != nil }) else { return }
        let images = try imageService()
        for service in stack.services where service.build != nil {
            guard let image = service.image, await images.image(image) == nil else { continue }
            await report("building \(image) for service \(service.name)")
            let name = service.name
            let logger = logger
            _ = try await buildImage(service) { line in logger.debug("\(line)", metadata: ["service": "\(name)"]) }
        }
    }
}
