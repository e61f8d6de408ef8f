import AICoreImages
import AICoreSpec
import Testing
@testable import AICoreSupervisor

@Suite("An image's config fills what the stack file leaves unsaid, by Compose's rules")
struct ImageDefaultsTests {
    func configuration(
        entrypoint: [String]? = ["/docker-entrypoint.sh"], cmd: [String]? = ["nginx", "-g", "daemon off;"],
        env: [String] = ["PATH=/usr/local/bin:/usr/bin:/bin", "NGINX_VERSION=1.25", "EMPTY="],
        user: String? = nil, workingDir: String? = nil, stopSignal: String? = "SIGQUIT",
        healthcheck: ImageConfiguration.Healthcheck? = nil, volumes: [String] = []
    ) -> ImageConfiguration {
        ImageConfiguration(
            architecture: "amd64", os: "linux", variant: nil, created: nil,
            config: ImageConfiguration.RunConfig(
                user: user, env: env, entrypoint: entrypoint, cmd: cmd, workingDir: workingDir, stopSignal: stopSignal,
                exposedPorts: ["80/tcp": .init()], volumes: Dictionary(uniqueKeysWithValues: volumes.map { ($0, .init()) }),
                labels: nil, healthcheck: healthcheck),
            rootfs: .init(type: "layers", diffIDs: []))
    }

    static func load(_ yaml: String, name: String = "/project/compose.yml") throws -> Stack {
        var options = StackLoadOptions(files: [name], projectName: "demo", environment: [:])
        options.contents = [name: yaml]
        options.readsDotEnv = false
        return try StackLoader.load(options).stack
    }

    func service(_ yaml: String) throws -> Service {
        try #require(try Self.load("services:\n  web:\n    image: nginx:1.25\n" + yaml).service(named: "web"))
    }

    @Test("With nothing said, the image's entrypoint, command, env and stop signal run")
    func imageAlone() throws {
        let result = try ImageDefaults.apply(configuration(), to: try service(""))
        #expect(result.entrypoint == ["/docker-entrypoint.sh"])
        #expect(result.command == ["nginx", "-g", "daemon off;"])
        #expect(result.environment["NGINX_VERSION"] == "1.25")
        #expect(result.environment["EMPTY"] == "")
        #expect(result.stopSignal == StopSignal(parsing: "SIGQUIT"))
    }

    @Test("`command` replaces Cmd and keeps the Entrypoint")
    func commandReplacesCmd() throws {
        let result = try ImageDefaults.apply(configuration(), to: try service("    command: [nginx, -T]\n"))
        #expect(result.entrypoint == ["/docker-entrypoint.sh"])
        #expect(result.command == ["nginx", "-T"])
    }

    @Test("`entrypoint` replaces Entrypoint and drops Cmd; `entrypoint: []` clears both")
    func entrypointDropsCmd() throws {
        let replaced = try ImageDefaults.apply(configuration(), to: try service("    entrypoint: [/bin/sh, -c]\n"))
        #expect(replaced.entrypoint == ["/bin/sh", "-c"])
        #expect(replaced.command == [])
        let cleared = try ImageDefaults.apply(configuration(), to: try service("    entrypoint: []\n    command: [/bin/true]\n"))
        #expect(cleared.entrypoint == [])
        #expect(cleared.command == ["/bin/true"])
        #expect(throws: TaskSpecBuilder.Failure.self) {
            try ImageDefaults.apply(configuration(), to: try service("    entrypoint: []\n"))
        }
    }

    @Test("Environment: the image's, then env_file and environment win")
    func environmentOrder() throws {
        let result = try ImageDefaults.apply(configuration(), to: try service("    environment:\n      NGINX_VERSION: mine\n      EXTRA: x\n"))
        #expect(result.environment["NGINX_VERSION"] == "mine")
        #expect(result.environment["EXTRA"] == "x")
        #expect(result.environment["PATH"] == "/usr/local/bin:/usr/bin:/bin")
    }

    @Test("User, working directory and stop signal come from the image unless the file sets them")
    func userDirectorySignal() throws {
        let image = configuration(user: "nginx", workingDir: "/srv")
        let fromImage = try ImageDefaults.apply(image, to: try service(""))
        #expect(fromImage.user == "nginx")
        #expect(fromImage.workingDir == "/srv")
        let own = try ImageDefaults.apply(image, to: try service("    user: \"1000\"\n    working_dir: /app\n    stop_signal: SIGTERM\n"))
        #expect(own.user == "1000")
        #expect(own.workingDir == "/app")
        #expect(own.stopSignal == .term)
    }

    @Test("The healthcheck merges field by field; disable turns the image's off")
    func healthcheckMerge() throws {
        let check = ImageConfiguration.Healthcheck(test: ["CMD-SHELL", "curl -f http://localhost/"], interval: 5_000_000_000,
                                                   timeout: 2_000_000_000, startPeriod: nil, startInterval: nil, retries: 4)
        let image = configuration(healthcheck: check)
        let inherited = try #require(try ImageDefaults.apply(image, to: try service("")).healthcheck)
        #expect(inherited.test == .shell("curl -f http://localhost/"))
        #expect(inherited.interval == .seconds(5))
        #expect(inherited.retries == 4)

        let merged = try #require(try ImageDefaults.apply(image, to: try service("    healthcheck:\n      interval: 1s\n")).healthcheck)
        #expect(merged.test == .shell("curl -f http://localhost/"))
        #expect(merged.interval == .seconds(1))
        #expect(merged.timeout == .seconds(2))

        let disabled = try ImageDefaults.apply(image, to: try service("    healthcheck:\n      disable: true\n")).healthcheck
        #expect(disabled?.test == nil)
        let none = try ImageDefaults.apply(image, to: try service("    healthcheck:\n      test: [\"NONE\"]\n")).healthcheck
        #expect(none?.test == nil)
    }

    @Test("The image's volumes become anonymous volumes, unless the service mounts there")
    func imageVolumes() throws {
        let image = configuration(volumes: ["/var/lib/data", "/var/cache/nginx/", "/srv/www"])
        let result = try ImageDefaults.apply(image, to: try service("    volumes:\n      - /host/www:/srv\n"))
        let anonymous = result.volumes.filter { $0.kind == .volume && $0.source == nil }.map(\.target)
        #expect(anonymous == ["/var/cache/nginx", "/var/lib/data"])
    }

    @Test("What the file left unsaid survives printing and reloading (the Store keeps stacks printed)")
    func provenanceRoundTrips() throws {
        let yaml = "services:\n  web:\n    image: nginx:1.25\n    healthcheck:\n      interval: 1s\n"
        let loaded = try Self.load(yaml)
        let printed = StackPrinter.render(loaded, format: .yaml)
        let reloaded = try Self.load(printed, name: "/project/printed.yml")
        #expect(reloaded == loaded)
        #expect(reloaded.service(named: "web")?.healthcheck?.written == [.interval])
        #expect(reloaded.service(named: "web")?.stopSignalWritten == false)
        #expect(ServiceSpecHash.of(try #require(reloaded.service(named: "web"))) == ServiceSpecHash.of(try #require(loaded.service(named: "web"))))
    }
}
