import AICoreServer
import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing

/// `build:` end to end: the real buildah (chroot isolation) building a two-stage Dockerfile
/// whose base image comes from a local docker-registry registered as the agent's Docker Hub
/// mirror (nothing reaches the Internet), the image stored in the agent's own store, and the
/// real agent and CLI running it. Builds cost seconds each, so one test walks through
/// everything: `up` building what is missing, a failing step, and `pull_policy: build`.
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/buildah"),
                            "needs root and buildah (scripts/bootstrap.sh installs it)"))
struct BuildEndToEndTests {
    /// `docker.io/library/busybox:latest` as the mirror at `host` serves it: this host's busybox,
    /// with `sh` beside it.
    static func pushBusybox(to host: String, in directory: String) async throws {
        let files = directory + "/busybox-files"
        try FileIO.makeDirectories(files + "/bin", mode: 0o755)
        try FileIO.copyFile("/bin/busybox", to: files + "/bin/busybox")
        try FileIO.setMode(files + "/bin/busybox", 0o755)
        #expect(symlink("busybox", files + "/bin/sh") == 0)
        let layout = directory + "/busybox-layout"
        for arguments in [
            ["init", "--layout", layout], ["new", "--image", "\(layout):latest"],
            ["insert", "--image", "\(layout):latest", files, "/"],
            ["config", "--image", "\(layout):latest", "--config.cmd", "/bin/sh"],
        ] {
            let output = try await run("/usr/bin/umoci", arguments)
            #expect(output.status == 0, "umoci \(arguments): \(output.stderr)")
        }
        let push = try await run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout):latest",
                                                     "docker://\(host)/library/busybox:latest"])
        #expect(push.status == 0, "skopeo push: \(push.stderr)")
    }

    static let dockerfile = """
        FROM busybox AS base
        ARG MESSAGE=unset
        RUN echo "made by RUN with $MESSAGE" > /made.txt

        FROM base AS runner
        COPY greeting.txt /greeting.txt
        LABEL org.example.stage=runner
        CMD ["/bin/busybox", "sleep", "1000"]

        FROM runner AS never-built
        RUN exit 1
        """

    static func stackFile(pullPolicy: String? = nil) -> String {
        """
        name: builddemo
        services:
          app:
            build:
              context: .
              target: runner
              args:
                MESSAGE: hello-arg
              labels:
                org.example.built-by: aicore
        \(pullPolicy.map { "    pull_policy: \($0)\n" } ?? "")
        """
    }

    static let brokenStackFile = """
        name: brokendemo
        services:
          broken:
            build:
              dockerfile_inline: |
                FROM busybox
                RUN echo about to fail && exit 3
        """

    @Test func upBuildsWhatIsMissingAFailingStepIsNamedAndPullPolicyBuildRebuilds() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            let (registry, host) = try await ImageEndToEndTests.startRegistry(in: harness.directory)
            defer {
                registry.signal(SIGKILL)
                _ = registry.waitForExit()
            }
            try await Self.pushBusybox(to: host, in: harness.directory)
            try await harness.start(configuration: "registries:\n  mirrors: [\"\(host)\"]\n")

            let project = harness.directory + "/project"
            try FileIO.makeDirectories(project, mode: 0o755)
            try FileIO.write(project + "/Dockerfile", Self.dockerfile)
            try FileIO.write(project + "/greeting.txt", "hello from the context\n")
            try FileIO.write(project + "/compose.yml", Self.stackFile())

            // `up` builds the image the node lacks (target runner: the stage after it never
            // runs), shows buildah's steps, and runs it under <project>-<service>.
            let up = try await harness.cli(["up", "-d", "--wait"], in: project)
            #expect(up.status == 0, "up: \(up.stdout)\n\(up.stderr)\n\(harness.agentLog.suffix(3000))")
            #expect(up.stdout.contains("STEP 3/3: RUN echo \"made by RUN with $MESSAGE\" > /made.txt"), "\(up.stdout)")
            #expect(up.stdout.contains("app: built builddemo-app:latest"), "\(up.stdout)")
            #expect(!up.stdout.contains("RUN exit 1"))
            let exec = try await harness.cli(["exec", "-p", "builddemo", "app", "/bin/busybox", "cat", "/made.txt", "/greeting.txt"])
            #expect(exec.stdout == "made by RUN with hello-arg\nhello from the context\n", "\(exec.stdout) \(exec.stderr)")
            let listed = try await harness.cli(["image", "ls", "--format", "json"])
            let images = try ControlAPI.decoder.decode([ImageStatus].self, from: Data(listed.stdout.utf8))
            let first = try #require(images.first { $0.name == "docker.io/library/builddemo-app:latest" }, "\(listed.stdout)")
            #expect(first.usedBy == ["builddemo/app"])

            // Present now: another `up` uses it as it is.
            let again = try await harness.cli(["up", "-d", "--wait"], in: project)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!again.stdout.contains("STEP"), "\(again.stdout)")

            // `build` as users type it: with -f from elsewhere (quiet: nothing printed), and with -p
            // in the project; every step comes from the cache. An unknown service exits 2.
            let byFile = try await harness.cli(["build", "-q", "-f", project + "/compose.yml"])
            #expect(byFile.status == 0, "\(byFile.stderr)")
            #expect(byFile.stdout.isEmpty, "\(byFile.stdout)")
            let byName = try await harness.cli(["build", "-p", "builddemo", "app"], in: project)
            #expect(byName.status == 0, "\(byName.stderr)")
            #expect(byName.stdout.contains("Using cache"), "\(byName.stdout)")
            #expect(byName.stdout.hasSuffix("app: built builddemo-app:latest\n"), "\(byName.stdout)")
            let unknown = try await harness.cli(["build", "nosuch"], in: project)
            #expect(unknown.status == 2)
            #expect(unknown.stderr == "aicore-node: no service nosuch in stack builddemo\n", "\(unknown.stderr)")

            // A failing RUN: exit 1, one line naming the step, in buildah's words.
            let brokenProject = harness.directory + "/broken"
            try FileIO.makeDirectories(brokenProject, mode: 0o755)
            try FileIO.write(brokenProject + "/compose.yml", Self.brokenStackFile)
            let broken = try await harness.cli(["build", "broken"], in: brokenProject)
            #expect(broken.status == 1)
            #expect(broken.stdout.contains("about to fail"), "\(broken.stdout)")
            let failure = broken.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!failure.contains("\n"), "\(failure)")
            #expect(failure.contains("building the image of service broken: STEP 2/2: RUN echo about to fail && exit 3 failed:"), "\(failure)")
            #expect(failure.contains("exit status 3"), "\(failure)")
            // Neither build, the good nor the failed one, left a mount in the builder's storage.
            let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            #expect(!mounts.contains(harness.directory + "/state/build"), "\(mounts)")

            // pull_policy: build builds at every `up`: a changed context gives a new image.
            try FileIO.write(project + "/greeting.txt", "hello again\n")
            try FileIO.write(project + "/compose.yml", Self.stackFile(pullPolicy: "build"))
            let rebuilt = try await harness.cli(["up", "-d", "--wait"], in: project)
            #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
            #expect(rebuilt.stdout.contains("STEP 2/4: COPY greeting.txt /greeting.txt"), "\(rebuilt.stdout)")
            let relisted = try await harness.cli(["image", "ls", "--format", "json"])
            let second = try ControlAPI.decoder.decode([ImageStatus].self, from: Data(relisted.stdout.utf8))
                .first { $0.name == "docker.io/library/builddemo-app:latest" }
            #expect(second != nil && second?.id != first.id)
            try await waitUntil("app runs the rebuilt image") {
                (try? await harness.cli(["exec", "-p", "builddemo", "app", "/bin/busybox", "cat", "/greeting.txt"]).stdout) == "hello again\n"
            }

            // A rebuild alone (the stack file as it was) replaces the instances too: the image
            // changed, as Compose recreates a container whose image changed.
            try FileIO.write(project + "/greeting.txt", "third\n")
            let third = try await harness.cli(["up", "-d", "--wait", "--build"], in: project)
            #expect(third.status == 0, "\(third.stderr)")
            let exec3 = try await harness.cli(["exec", "-p", "builddemo", "app", "/bin/busybox", "cat", "/greeting.txt"])
            #expect(exec3.stdout == "third\n", "\(exec3.stdout) \(exec3.stderr)")
            // A rebuild from the cache is the same image: nothing is replaced.
            let before = try await harness.instances("builddemo").filter { $0.service == "app" }.map(\.id)
            let cached = try await harness.cli(["up", "-d", "--wait"], in: project)
            #expect(cached.status == 0, "\(cached.stderr)")
            #expect(cached.stdout.contains("Using cache"), "\(cached.stdout)")
            #expect(try await harness.instances("builddemo").filter { $0.service == "app" }.map(\.id) == before)
        }
    }
}
