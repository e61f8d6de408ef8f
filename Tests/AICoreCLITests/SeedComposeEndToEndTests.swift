import AICoreSystem
import AICoreTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The capstone of "Compose as written": the AI-CORE guide's own `docker-compose.prod.yml`,
/// byte for byte, in a directory that holds what a real checkout would (a Dockerfile with a
/// `runner` target, `init.sql`, nginx's configuration and a self-signed certificate, a `.env`).
/// Its images come from Docker Hub by name (`pgvector/pgvector:pg16`, `redis:7-alpine`,
/// `nginx:alpine`, and `busybox` under the Dockerfile) through a docker.io mirror: a real
/// docker-registry in the test's network namespace, holding look-alikes made from this host's
/// Debian packages (scripts/lookalike-images.sh). The API is built by buildah.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: namespaces, cgroups, bridges, buildah"))
struct SeedComposeEndToEndTests {
    static let seed = CommandRunner.packageRoot + "/Tests/AICoreSpecTests/Fixtures/seed/docker-compose.prod.yml"
    static let registryPort = 5000

    /// `FROM busybox`, twice: a `builder` stage that gathers the sample API (built by `swift
    /// build`, with the shared libraries it loads) and a `runner` stage, the target the seed
    /// names, that keeps only that.
    static let dockerfile = """
        FROM busybox AS builder
        COPY rootfs/ /out/
        RUN test -x /out/usr/local/bin/aicore-sample-api && echo "built by buildah" > /out/BUILT

        FROM busybox AS runner
        COPY --from=builder /out/ /
        ENV HOST=0.0.0.0 PORT=3000
        EXPOSE 3000
        CMD ["/usr/local/bin/aicore-sample-api"]

        FROM runner AS debug
        ENV LOG_LEVEL=debug

        """

    static let initSQL = """
        CREATE TABLE seeded (note text);
        INSERT INTO seeded VALUES ('init.sql ran');

        """

    /// nginx in front of the API on 80 and 443, as the guide's deployment has it.
    static let nginxConf = """
        user nginx;
        events { worker_connections 256; }
        http {
            upstream api { server api:3000; }
            server {
                listen 80;
                location / { proxy_pass http://api; }
            }
            server {
                listen 443 ssl;
                ssl_certificate /etc/nginx/ssl/cert.pem;
                ssl_certificate_key /etc/nginx/ssl/key.pem;
                location / { proxy_pass http://api; }
            }
        }

        """

    static let dotEnv = """
        POSTGRES_USER=aicore
        POSTGRES_PASSWORD=seed-password
        POSTGRES_DB=aicore
        DATABASE_URL=postgres://aicore:seed-password@postgres:5432/aicore
        REDIS_URL=redis://redis:6379
        JWT_SECRET=not-a-real-secret

        """

    /// The checkout: the seed's file unchanged, and what it refers to.
    static func makeProject(in project: String) async throws {
        try FileIO.makeDirectories(project + "/infrastructure/docker/postgres", mode: 0o755)
        try FileIO.makeDirectories(project + "/infrastructure/docker/nginx/ssl", mode: 0o755)
        try FileManager.default.copyItem(atPath: seed, toPath: project + "/docker-compose.prod.yml")
        #expect(FileManager.default.contentsEqual(atPath: seed, andPath: project + "/docker-compose.prod.yml"))
        try FileIO.write(project + "/Dockerfile", dockerfile)
        try FileIO.write(project + "/infrastructure/docker/postgres/init.sql", initSQL)
        try FileIO.write(project + "/infrastructure/docker/nginx/nginx.conf", nginxConf)
        try FileIO.write(project + "/.env", dotEnv)
        let ssl = project + "/infrastructure/docker/nginx/ssl"
        let certificate = try await run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-keyout", ssl + "/key.pem", "-out", ssl + "/cert.pem",
        ])
        #expect(certificate.status == 0, "openssl: \(certificate.stderr)")
        // The build context's rootfs/: the sample API and every library it loads, where it
        // loads them from.
        let api = (CommandRunner.binary as NSString).deletingLastPathComponent + "/aicore-sample-api"
        let gather = try await run("/bin/sh", ["-c", """
            set -e
            root="$1/rootfs"
            mkdir -p "$root/usr/local/bin"
            cp "$2" "$root/usr/local/bin/aicore-sample-api"
            for library in $(ldd "$2" | grep -o '/[^ ]*' | sort -u); do
              mkdir -p "$root$(dirname "$library")"
              cp -L "$library" "$root$library"
            done
            """, "sh", project, api])
        #expect(gather.status == 0, "gathering the API: \(gather.stderr)")
    }

    @Test func theGuidesProductionComposeFileRunsAsWrittenAndDownLeavesNothing() async throws {
        try await AgentHarness.with(startImmediately: false) { harness in
            let mirror = "http://127.0.0.1:\(Self.registryPort)"
            try await harness.start(ownNetwork: true, configuration: """
                registries:
                  mirrors: ["\(mirror)"]
                capacity:
                  cpus: 8

                """)
            let namespace = try #require(harness.networkNamespace)

            // The registry, in the agent's network namespace, as an air-gapped site's mirror.
            let registryDirectory = harness.directory + "/registry"
            try FileIO.makeDirectories(registryDirectory, mode: 0o700)
            try FileIO.write(registryDirectory + "/config.yml", """
                version: 0.1
                storage:
                  filesystem:
                    rootdirectory: \(registryDirectory)/data
                http:
                  addr: 127.0.0.1:\(Self.registryPort)
                log:
                  level: error

                """)
            let registry = try ChildProcess.spawn("/usr/bin/nsenter", ["--net=\(namespace)", "--", "/usr/bin/docker-registry", "serve",
                                                                       registryDirectory + "/config.yml"], discardOutput: true)
            defer {
                registry.signal(SIGKILL)
                _ = registry.waitForExit()
            }
            try await waitUntil("the mirror answers", within: .seconds(60)) {
                (try? await harness.httpGet(mirror + "/v2/").status) == 200
            }
            let pushed = try await harness.inAgentNetwork(CommandRunner.packageRoot + "/scripts/lookalike-images.sh", [
                "127.0.0.1:\(Self.registryPort)", harness.directory + "/images",
                "postgres=pgvector/pgvector:pg16", "redis=library/redis:7-alpine", "nginx=library/nginx:alpine",
                "busybox=library/busybox:latest",
            ])
            try #require(pushed.status == 0, "look-alike images: \(pushed.stderr)")

            let project = harness.directory + "/ai-core"
            try await Self.makeProject(in: project)
            let file = ["-f", "docker-compose.prod.yml"]

            let up = try await harness.cli(file + ["up", "-d", "--wait", "--wait-timeout", "300"], in: project)
            let instances = try await harness.instances("ai-core")
            try #require(up.status == 0, "up: \(up.stderr)\n\(up.stdout.suffix(3000))\n\(instances)\n\(harness.agentLog.suffix(4000))")

            // Every service as the file asks: three API replicas built by buildah, and one of each
            // other; those with a healthcheck are healthy (up --wait waited for it).
            let running = Dictionary(grouping: instances.filter { [.running, .healthy].contains($0.state) }, by: \.service).mapValues(\.count)
            #expect(running == ["api": 3, "postgres": 1, "redis": 1, "nginx": 1], "\(instances)")
            let built = try await harness.cli(file + ["exec", "api", "cat", "/BUILT"], in: project)
            #expect(built.stdout == "built by buildah\n", "the runner stage of the Dockerfile: \(built.stderr)")
            let level = try await harness.cli(file + ["exec", "api", "printenv", "LOG_LEVEL"], in: project)
            #expect(level.stdout.isEmpty, "`target: runner` stops before the `debug` stage: \(level.stdout)")
            let images = try await harness.cli(["image", "ls"])
            #expect(images.stdout.contains("ai-core/api"), "the built image is in the agent's store: \(images.stdout)")

            // PostgreSQL ran init.sql from /docker-entrypoint-initdb.d on its first start.
            let seeded = try await harness.cli(file + ["exec", "postgres", "psql", "-U", "aicore", "-d", "aicore", "-tAc",
                                                       "SELECT note FROM seeded"], in: project)
            #expect(seeded.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "init.sql ran", "\(seeded.stderr)")

            // HTTPS through nginx to the API, which reaches PostgreSQL and Redis by name.
            var answers: [[String: Any]] = []
            for _ in 0..<6 {
                let answer = try await harness.inAgentNetwork("/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert",
                                                                                 project + "/infrastructure/docker/nginx/ssl/cert.pem",
                                                                                 "https://localhost/work"])
                try #require(answer.status == 0, "curl over HTTPS: \(answer.stderr)\n\(harness.agentLog.suffix(3000))")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any],
                                        "not JSON: \(answer.stdout)")
                answers.append(body)
            }
            #expect(answers.allSatisfy { ($0["postgres_requests"] as? Int ?? 0) > 0 && ($0["redis_requests"] as? Int ?? 0) > 0 },
                    "\(answers)")
            let plain = try await harness.httpGet("http://127.0.0.1/version")
            #expect(plain.status == 200, "port 80 too: \(plain.body)")

            // down -v: no instance, volume, network or image-independent state of the stack is left.
            let down = try await harness.cli(file + ["down", "-v"], in: project)
            #expect(down.status == 0, "down -v: \(down.stderr)")
            #expect(try await harness.instances("ai-core").isEmpty)
            let volumes = try await harness.cli(["volume", "ls", "-q"])
            #expect(!volumes.stdout.contains("ai-core"), "volumes left: \(volumes.stdout)")
            let links = try await harness.inAgentNetwork("/usr/sbin/ip", ["-o", "link", "show"])
            #expect(links.stdout.split(separator: "\n").count == 1, "only lo is left in the namespace: \(links.stdout)")
            let stacks = try await harness.cli(["ls", "-a"])
            #expect(!stacks.stdout.contains("ai-core"), "the stack is gone: \(stacks.stdout)")
        }
    }
}
