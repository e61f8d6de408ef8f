import AICoreErrors
import AICoreSystem
import Foundation

/// Builds images with buildah and stores them in the node's image store. buildah interprets the
/// Dockerfile and runs its steps (chroot isolation: no OCI runtime needed, and it works on
/// cgroup v1 and v2 alike); the result is pushed to an OCI layout and loaded from there as any
/// image is, so it is verified, unpacked and named like a pulled one.
///
/// buildah's own storage (`<root>/storage`) is kept between builds: its layer cache makes a
/// rebuild of an unchanged step instant (`no_cache` bypasses it). Each build's configuration
/// and output layout live in a directory of their own, removed when it ends.
public struct ImageBuilder: Sendable {
    /// The builder's directory, in the agent's state directory.
    public var root: String
    public var registries: RegistryConfiguration
    /// A Docker-format credentials file (the agent's own, written by `login`), when it exists.
    public var authFile: String?
    public var executable: String
    /// overlay: the node already needs overlayfs for every instance's root.
    public var storageDriver = "overlay"

    public init(root: String, registries: RegistryConfiguration, authFile: String? = nil, executable: String = "/usr/bin/buildah") {
        self.root = root
        self.registries = registries
        self.authFile = authFile
        self.executable = executable
    }

    /// Builds `request`, passing buildah's output on line by line, and stores the image under
    /// each of its names; returns their records. A failed step throws `buildFailed` naming the
    /// step and buildah's message.
    public func build(_ request: ImageBuildRequest, into images: ImageService,
                      output: @escaping @Sendable (String) -> Void) async throws(AICoreError) -> [ImageRecord] {
        guard let first = request.names.first else {
            throw AICoreError(.badRequest, "a build needs the name to store its image under")
        }
        // The loader only warns about these (a Compose file may be checked apart from its
        // sources); building needs them.
        if let missing = try await ImageService.blocking({ [request] in
            Self.missingSource(context: request.context, dockerfile: request.dockerfile, dockerfileInline: request.dockerfileInline)
        }) {
            throw AICoreError(.buildFailed, missing)
        }
        let work = "\(root)/work-\(FileIO.processSuffix)-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileIO.removeTree(work) }
        let dockerfileText: String? = try await ImageService.blocking { [request] in
            try FileIO.makeDirectories("\(root)/storage", mode: 0o700)
            try FileIO.makeDirectories("\(root)/tmp", mode: 0o700)
            try FileIO.makeDirectories(work, mode: 0o700)
            try FileIO.makeDirectories("\(work)/registries.d", mode: 0o700)
            if let inline = request.dockerfileInline {
                try FileIO.write("\(work)/Dockerfile", inline)
                return inline
            }
            let path = request.dockerfile ?? Self.defaultDockerfile(in: request.context)
            return try? FileIO.readString(path)
        }
        let conf = BuildahRegistries.registriesConf(
            registries, baseRegistries: dockerfileText.map(BuildahRegistries.baseRegistries(inDockerfile:)) ?? [])
        try await ImageService.blocking {
            try FileIO.write("\(work)/registries.conf", conf)
            try FileIO.write("\(work)/policy.json", BuildahRegistries.policy)
        }
        let auth = try await ImageService.blocking { [authFile] in authFile.flatMap { FileIO.exists($0) ? $0 : nil } }
        let build = BuildahProcess(executable: executable, arguments: buildArguments(request, work: work, authFile: auth),
                                   environment: environment)
        let built = try await build.run(line: output)
        guard built.status == 0 else {
            throw BuildahFailure.error(status: built.status, tail: built.tail)
        }
        let id = try await ImageService.blocking {
            try FileIO.readString("\(work)/iid").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let layout = "\(work)/layout"
        let push = BuildahProcess(
            executable: executable,
            arguments: globalArguments(work: work) + ["push", "--quiet", "--signature-policy", "\(work)/policy.json", id, "oci:\(layout):\(first.description)"],
            environment: environment)
        let pushed = try await push.run(line: { _ in })
        guard pushed.status == 0 else {
            throw BuildahFailure.error(status: pushed.status, tail: pushed.tail).prefixed("copying the built image out of buildah")
        }
        let source = try OCILayoutSource(directory: layout)
        guard let entry = source.entries.first else {
            throw AICoreError(.invalidImage, "buildah wrote no image to \(layout)")
        }
        var records: [ImageRecord] = []
        for name in request.names {
            records.append(try await images.pull(name, from: OCILayoutEntrySource(layout: source, entry: entry)))
        }
        return records
    }

    /// The options every buildah command of a build takes: the storage, and the registries.
    func globalArguments(work: String) -> [String] {
        [
            "--root", "\(root)/storage", "--runroot", "\(root)/run", "--storage-driver", storageDriver,
            "--registries-conf", "\(work)/registries.conf", "--registries-conf-dir", "\(work)/registries.d",
        ]
    }

    func buildArguments(_ request: ImageBuildRequest, work: String, authFile: String?) -> [String] {
        var arguments = globalArguments(work: work) + [
            // --force-rm: a failed step's container goes too, and with it the last mount in
            // buildah's storage (the agent's state directory holds no mount between builds).
            "build", "--isolation", "chroot", "--signature-policy", "\(work)/policy.json", "--layers", "--force-rm", "--format", "oci",
            "--iidfile", "\(work)/iid",
            // Compose's `pull: false` pulls a base image only when missing; `true` always.
            "--pull=\(request.pull ? "always" : "false")",
        ]
        if let authFile { arguments += ["--authfile", authFile] }
        if request.dockerfileInline != nil {
            arguments += ["-f", "\(work)/Dockerfile"]
        } else if let dockerfile = request.dockerfile {
            arguments += ["-f", dockerfile]
        }
        if let target = request.target { arguments += ["--target", target] }
        for (name, value) in request.args.sorted(by: { $0.key < $1.key }) { arguments += ["--build-arg", "\(name)=\(value)"] }
        for (name, value) in request.labels.sorted(by: { $0.key < $1.key }) { arguments += ["--label", "\(name)=\(value)"] }
        if request.noCache { arguments.append("--no-cache") }
        if let platform = request.platform { arguments += ["--platform", platform] }
        arguments.append(request.context)
        return arguments
    }

    /// buildah's environment: its temporary files stay in the builder's directory, and nothing
    /// of the agent's own environment (credentials, proxies meant for it) leaks into RUN steps.
    var environment: [String: String] {
        var environment = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": "\(root)/tmp"]
        for key in ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"] {
            if let value = ProcessInfo.processInfo.environment[key] { environment[key] = value }
        }
        return environment
    }

    /// What of a build's context and Dockerfile is not on this node; nil when both are (or the
    /// Dockerfile is inline). Blocking: it looks at the filesystem.
    public static func missingSource(context: String, dockerfile: String?, dockerfileInline: String?) -> String? {
        guard FileIO.isDirectory(context) else { return "the build context \(context) does not exist" }
        if dockerfileInline != nil { return nil }
        if let dockerfile {
            return FileIO.exists(dockerfile) ? nil : "the Dockerfile \(dockerfile) does not exist"
        }
        let found = ["Dockerfile", "Containerfile"].contains { FileIO.exists(context + "/" + $0) }
        return found ? nil : "the build context \(context) has no Dockerfile"
    }

    static func defaultDockerfile(in context: String) -> String {
        FileIO.exists("\(context)/Dockerfile") ? "\(context)/Dockerfile" : "\(context)/Containerfile"
    }
}
