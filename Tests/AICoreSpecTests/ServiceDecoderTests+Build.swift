import Foundation
import Testing

@testable import AICoreSpec

/// `build:` in its short and long forms: what each key decodes to, the image name a built
/// service gets, and how the section prints.
@Suite("ServiceDecoder: build")
struct ServiceDecoderBuildTests {
    /// A project directory with an `app` context holding a Dockerfile (and `alt.Dockerfile`).
    static func project() throws -> StackFixture {
        let fixture = try StackFixture()
        try fixture.write("app/Dockerfile", "FROM busybox\n")
        try fixture.write("app/alt.Dockerfile", "FROM busybox\n")
        return fixture
    }

    static func load(_ yaml: String, _ fixture: StackFixture, environment: [String: String] = [:]) throws -> LoadedStack {
        try fixture.load(yaml: yaml, environment: environment)
    }

    @Test("the short form is a context directory, relative to the project; the image is named <project>-<service>")
    func shortForm() throws {
        let fixture = try Self.project()
        defer { fixture.remove() }
        let stack = try Self.load("name: shop\nservices:\n  web:\n    build: ./app\n", fixture).stack
        let web = try #require(stack.service(named: "web"))
        #expect(web.build == {
            var expected = BuildSettings(context: fixture.baseDirectory + "/app")
            expected.imageIsGenerated = true
            return expected
        }())
        #expect(web.image == "shop-web:latest")
        #expect(web.pullPolicy == .missing)
    }

    @Test("every long-form key decodes")
    func longForm() throws {
        let fixture = try Self.project()
        defer { fixture.remove() }
        let yaml = """
            services:
              web:
                image: registry.local/web:2
                pull_policy: build
                build:
                  context: app
                  dockerfile: alt.Dockerfile
                  target: runner
                  args:
                    GREETING: hello
                    FROM_ENV:
                    UNSET:
                  labels: [team=shop, tier]
                  tags: ["registry.local/web:latest"]
                  no_cache: true
                  pull: true
            """
        let web = try #require(try Self.load(yaml, fixture, environment: ["FROM_ENV": "env value"]).stack.service(named: "web"))
        let build = try #require(web.build)
        #expect(build.context == fixture.baseDirectory + "/app")
        #expect(build.dockerfile == fixture.baseDirectory + "/app/alt.Dockerfile")
        #expect(build.target == "runner")
        #expect(build.args == ["GREETING": "hello", "FROM_ENV": "env value"], "an unset bare argument is left out, as Compose does")
        #expect(build.labels == ["team": "shop", "tier": ""])
        #expect(build.tags == ["registry.local/web:latest"])
        #expect(build.noCache)
        #expect(build.pull)
        #expect(!build.imageIsGenerated)
        #expect(web.image == "registry.local/web:2")
        #expect(web.pullPolicy == .build)
    }

    @Test("args in the list form; a context defaults to the project directory; an inline Dockerfile needs none on disk")
    func listArgsAndInline() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let yaml = """
            services:
              web:
                build:
                  dockerfile_inline: |
                    FROM busybox
                    RUN echo $$HOME
                  args: [A=1, "B=x=y"]
            """
        let build = try #require(try Self.load(yaml, fixture).stack.service(named: "web")?.build)
        #expect(build.context == fixture.baseDirectory)
        #expect(build.dockerfileInline == "FROM busybox\nRUN echo $HOME\n")
        #expect(build.dockerfile == nil)
        #expect(build.args == ["A": "1", "B": "x=y"])
    }

    @Test("the node's own platform is kept; another is a located unsupported warning")
    func platforms() throws {
        let fixture = try Self.project()
        defer { fixture.remove() }
        let own = "linux/\(ServiceDecoder.nodeArchitecture)"
        let other = ServiceDecoder.nodeArchitecture == "arm64" ? "linux/amd64" : "linux/arm64"
        let yaml = "services:\n  web:\n    build:\n      context: app\n      platforms: [\(own), \(other)]\n"
        let loaded = try Self.load(yaml, fixture)
        #expect(loaded.stack.service(named: "web")?.build?.platforms == [own])
        let warning = try #require(loaded.warnings.first { $0.keyPath == "services.web.build.platforms[1]" })
        #expect(warning.kind == .unsupported)
        #expect(warning.location?.line == 5)
        #expect(warning.message.contains("buildah on this node builds only \(own)"))
    }

    @Test("a cache key is ignored with a located warning; an unsupported one blocks a run")
    func ignoredAndUnsupportedKeys() throws {
        let fixture = try Self.project()
        defer { fixture.remove() }
        let yaml = "services:\n  web:\n    build:\n      context: app\n      cache_from: [x]\n      ssh: [default]\n"
        let warnings = try Self.load(yaml, fixture).warnings
        let cache = try #require(warnings.first { $0.keyPath == "services.web.build.cache_from" })
        #expect(cache.kind == .ignored)
        #expect(cache.location?.line == 5)
        let ssh = try #require(warnings.first { $0.keyPath == "services.web.build.ssh" })
        #expect(ssh.kind == .unsupported)
        #expect(ssh.blocksRun)
    }

    @Test("config print writes the build section, and the printout loads to the same service")
    func printsAndRoundTrips() throws {
        let fixture = try Self.project()
        defer { fixture.remove() }
        let yaml = """
            name: shop
            services:
              web:
                pull_policy: build
                build:
                  context: app
                  target: runner
                  args: {GREETING: "cost: $$5"}
                  labels: {team: shop}
                  no_cache: true
            """
        let stack = try Self.load(yaml, fixture).stack
        let printed = StackPrinter.render(stack, format: .yaml)
        #expect(printed.contains("build:"))
        #expect(printed.contains("context: \(fixture.baseDirectory)/app"))
        #expect(printed.contains("target: runner"))
        #expect(printed.contains("pull_policy: build"))
        #expect(!printed.contains("image:"), "the generated name is not written: a reload under another name makes its own")
        try fixture.write("printed.yml", printed)
        let reloaded = try fixture.load(["printed.yml"]).stack
        #expect(reloaded.service(named: "web") == stack.service(named: "web"))
    }

    @Test("a context or Dockerfile not there yet is a located warning, also under --strict, as docker compose config accepts it")
    func missingSourcesAreWarnings() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("empty/.keep", "")
        let yaml = """
            services:
              a:
                build: ./nowhere
              b:
                build:
                  context: ./empty
                  dockerfile: app.Dockerfile
              c:
                build: ./empty

            """
        let loaded = try fixture.load(yaml: yaml, strict: true)
        let warnings = loaded.warnings.filter { $0.kind == .composeHabit }.map { "\($0.location?.line ?? 0):\($0.keyPath): \($0.message)" }
        #expect(warnings == [
            "3:services.a.build: the build context \(fixture.baseDirectory)/nowhere does not exist: building the image fails until it does",
            "7:services.b.build.dockerfile: the Dockerfile \(fixture.baseDirectory)/empty/app.Dockerfile does not exist: building the image fails until it does",
            "9:services.c.build: the build context \(fixture.baseDirectory)/empty has no Dockerfile: building the image fails until it has one (or name it with `dockerfile`, or write `dockerfile_inline`)",
        ], "\(loaded.warnings)")
        #expect(loaded.stack.service(named: "a")?.build?.context == fixture.baseDirectory + "/nowhere")
    }
}
