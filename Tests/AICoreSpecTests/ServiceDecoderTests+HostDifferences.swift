import Foundation
import Testing

@testable import AICoreSpec

/// Compose habits that validate but fail when the instance starts (instances run from the host's
/// read-only root; `network_mode: host` shares the host's ports): each is a located warning that says what to write
/// instead, and stays a warning under --strict. The correct forms give none.
@Suite("Compose habits")
struct ComposeHabitTests {
    /// A case: the stack file, and where the warning is and what it says.
    typealias Habit = StackLoaderTests.KeyCase

    /// The host of these tests: only these paths exist (and their parents).
    static let hostPaths: Set<String> = ["/", "/var", "/var/lib", "/var/lib/app", "/srv", "/tmp", "/etc", "/etc/app.conf",
                                         "/var/run", "/var/run/postgresql", "/srv/pg"]
    /// Its symbolic links, as Debian has `/var/run` → `/run`.
    static let hostLinks = ["/var/run": "/run", "/srv/data": "/mnt/disk/data"]

    @Sendable static func hostSymlink(_ path: String) -> HostSymlink? {
        for (link, target) in hostLinks where path == link || path.hasPrefix(link + "/") {
            return HostSymlink(link: link, leadsTo: target + path.dropFirst(link.count))
        }
        return nil
    }

    static func load(_ yaml: String, strict: Bool = false) throws -> LoadedStack {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        return try fixture.load(yaml: yaml, strict: strict, hostPathExists: { hostPaths.contains($0) }, hostSymlink: hostSymlink)
    }

    static func habits(_ yaml: String) throws -> [Diagnostic] {
        try load(yaml).warnings.filter { $0.kind == .composeHabit }
    }

    static let collision = "but the 3 replicas share the host network, so all but one fail with `Address already in use`"

    static let cases: [Habit] = [
        Habit(
            description: "a bind source through a symbolic link",
            yaml: "services:\n  db:\n    command: sleep 1\n    volumes: [\"/srv/data/pg:/var/lib/app\"]\n",
            line: 4, column: 15, keyPath: "services.db.volumes[0]",
            message: "bind source /srv/data/pg has a symbolic link in its path (/srv/data): mounts follow no symlinks, so the instance is refused when it starts; write the path it leads to, /mnt/disk/data/pg"),
        Habit(
            description: "a missing mount target through a symbolic link of the host: one warning, the link's",
            yaml: "services:\n  db:\n    command: sleep 1\n    volumes: [\"/srv/pg:/var/run/missing\"]\n",
            line: 4, column: 15, keyPath: "services.db.volumes[0]",
            message: "mount target /var/run/missing has a symbolic link in its path on the host (/var/run): mounts follow no symlinks, so the instance is refused when it starts; mount at the path it leads to, /run/missing"),
        Habit(
            description: "a mount target through a symbolic link of the host",
            yaml: "services:\n  db:\n    command: sleep 1\n    volumes: [\"/srv/pg:/var/run/postgresql\"]\n",
            line: 4, column: 15, keyPath: "services.db.volumes[0]",
            message: "mount target /var/run/postgresql has a symbolic link in its path on the host (/var/run): mounts follow no symlinks, so the instance is refused when it starts; mount at the path it leads to, /run/postgresql"),
        Habit(
            description: "a named volume at a missing target",
            yaml: StackFixture.apiHeader + "    volumes:\n      - data:/data\nvolumes:\n  data:\n",
            line: 5, column: 9, keyPath: "services.api.volumes[0]", message: mountMessage("/data")),
        Habit(
            description: "a bind mount at a missing target",
            yaml: StackFixture.apiHeader + "    volumes:\n      - /var/lib/app:/app/data:ro\n",
            line: 5, column: 9, keyPath: "services.api.volumes[0]", message: mountMessage("/app/data")),
        Habit(
            description: "an anonymous volume at a missing target",
            yaml: StackFixture.apiHeader + "    volumes:\n      - /srv/app/cache\n",
            line: 5, column: 9, keyPath: "services.api.volumes[0]", message: mountMessage("/srv/app/cache")),
        Habit(
            description: "a long-form tmpfs at a missing target",
            yaml: StackFixture.apiHeader + "    volumes:\n      - /srv\n      - type: tmpfs\n        target: /scratch\n",
            line: 6, column: 9, keyPath: "services.api.volumes[1]", message: mountMessage("/scratch")),
        Habit(
            description: "a tmpfs: entry at a missing target",
            yaml: StackFixture.apiHeader + "    tmpfs:\n      - /tmp\n      - /cache:size=64m\n",
            line: 6, column: 9, keyPath: "services.api.tmpfs[1]", message: mountMessage("/cache")),
        Habit(
            description: "tmpfs: as one string at a missing target",
            yaml: StackFixture.apiHeader + "    tmpfs: /cache\n",
            line: 4, column: 12, keyPath: "services.api.tmpfs", message: mountMessage("/cache")),
        Habit(
            description: "replicas with --port 8000",
            yaml: replicated("command: uvicorn app:app --host 0.0.0.0 --port 8000"),
            line: 3, column: 5, keyPath: "services.api.command",
            message: portMessage("--port 8000")),
        Habit(
            description: "replicas with --port=8000 in a list",
            yaml: replicated("command: [\"gunicorn\", \"--port=8000\"]"),
            line: 3, column: 5, keyPath: "services.api.command",
            message: portMessage("--port=8000")),
        Habit(
            description: "replicas with -p 8000 inside sh -c",
            yaml: replicated("command: [\"sh\", \"-c\", \"exec myserver -p 8000\"]"),
            line: 3, column: 5, keyPath: "services.api.command",
            message: portMessage("-p 8000")),
        Habit(
            description: "replicas with 0.0.0.0:8000 in the entrypoint",
            yaml: replicated("entrypoint: gunicorn -b 0.0.0.0:8000 app:app"),
            line: 3, column: 5, keyPath: "services.api.entrypoint",
            message: portMessage("0.0.0.0:8000")),
        Habit(
            description: "replicas with :8000",
            yaml: replicated("command: [\"server\", \"--listen\", \":8000\"]"),
            line: 3, column: 5, keyPath: "services.api.command",
            message: portMessage(":8000")),
        Habit(
            description: "replicas with a literal port in another variable",
            yaml: replicated("command: myserver\n    environment:\n      - HTTP_PORT=8000"),
            line: 5, column: 9, keyPath: "services.api.environment[0]",
            message: "`HTTP_PORT=8000` is a fixed listening port, \(collision); set `x-aicore.port_env: HTTP_PORT` so each replica gets its own port in HTTP_PORT"),
        Habit(
            description: "replicas with a bind address in a variable",
            yaml: replicated("command: gunicorn app:app\n    environment:\n      GUNICORN_CMD_ARGS: --bind 0.0.0.0:8000"),
            line: 5, column: 7, keyPath: "services.api.environment.GUNICORN_CMD_ARGS",
            message: "`GUNICORN_CMD_ARGS` holds the fixed listening port 8000 (`0.0.0.0:8000`), \(collision); build it in the command from the port each replica gets in $PORT (`sh -c '… $${PORT}'`)"),
        Habit(
            description: "one replica that may autoscale, with --port 8000",
            yaml: """
                services:
                  api:
                    command: uvicorn app:app --port 8000
                    ports: ["8000"]
                    x-aicore:
                      autoscale: {min: 1, max: 4, cpu: 70}
                    network_mode: host
                """,
            line: 3, column: 5, keyPath: "services.api.command",
            message: portMessage(
                "--port 8000",
                replicas: "but up to 4 replicas (x-aicore.autoscale.max) share the host network, so all but one fail with `Address already in use`")),
    ]

    static func portMessage(_ text: String, replicas: String = ComposeHabitTests.collision) -> String {
        "`\(text)` is a fixed listening port, \(replicas); listen on the port each replica gets in $PORT instead (write `$${PORT}` inside `sh -c '…'`); the proxy still serves port 8000, sending it to ready replicas"
    }

    static func mountMessage(_ target: String) -> String {
        "mount target \(target) does not exist on the host: instances run on the host's root filesystem mounted read-only, so \(target) cannot be created and the instance fails to start; mount at a path that exists on the host (e.g. under /var/lib, /srv, /mnt or /tmp), or create \(target) on the host"
    }

    /// Three replicas of `api` on the host network publishing 8000, with `keys` (service-level,
    /// 4 spaces) first.
    static func replicated(_ keys: String, networkMode: String = "host") -> String {
        "services:\n  api:\n    " + keys + "\n    ports: [\"8000:8000\"]\n    deploy:\n      replicas: 3\n    network_mode: \(networkMode)\n"
    }

    @Test("a Compose habit that fails at start is one located warning", arguments: cases)
    func habitWarns(_ habit: Habit) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: habit.yaml, hostPathExists: { Self.hostPaths.contains($0) }, hostSymlink: Self.hostSymlink)
        let habits = loaded.warnings.filter { $0.kind == .composeHabit }
        #expect(habits.count == 1, "\(habits.map(\.description))")
        let warning = try #require(habits.first)
        #expect(warning.severity == .warning)
        #expect(!warning.blocksRun)
        #expect(warning.location?.file == fixture.directory + "/stack.yml")
        #expect(warning.location?.line == habit.line)
        #expect(warning.location?.column == habit.column)
        #expect(warning.keyPath == habit.keyPath)
        #expect(warning.message == habit.message)
    }

    @Test("a Compose habit stays a warning under --strict", arguments: cases)
    func habitStaysWarningUnderStrict(_ habit: Habit) throws {
        let loaded = try Self.load(habit.yaml, strict: true)
        #expect(loaded.warnings.contains { $0.kind == .composeHabit && $0.keyPath == habit.keyPath && !$0.isError })
    }

    static let correct: [(description: String, yaml: String)] = [
        ("a command without image", StackFixture.apiHeader),
        ("an image with a command: the command runs in the image", "services:\n  api:\n    image: python:3.12\n    command: python app.py\n"),
        ("an image with entrypoint and command", "services:\n  api:\n    entrypoint: [node]\n    command: [server.js]\n    image: node:20\n"),
        ("mount targets on an image's root, made in the instance's own layer", "services:\n  db:\n    image: postgres:15\n    volumes:\n      - /srv/pg:/var/lib/postgresql/data\n      - /srv/conf:/nowhere-on-this-host/conf\n"),
        ("mount targets that exist on the host", StackFixture.apiHeader + "    volumes:\n      - ./data:/var/lib/app\n      - /etc/app.conf:/etc/app.conf:ro\n      - /srv\n"),
        ("targets inside the instance's own /tmp, /run and /dev", StackFixture.apiHeader + "    volumes:\n      - /tmp/cache\n      - /run/app\n    tmpfs: /dev/cache\n"),
        ("targets inside the hidden /root and /home", StackFixture.apiHeader + "    volumes:\n      - /root/.aicore-cache-nowhere\n      - /home/nobody-aicore/data\n"),
        ("a target inside another mount", StackFixture.apiHeader + "    volumes:\n      - /var/lib/app\n      - /var/lib/app/sub/deeper\n"),
        ("tmpfs at /tmp", StackFixture.apiHeader + "    tmpfs: [/tmp]\n"),
        ("replicas listening on ${PORT}", replicated("command: [\"sh\", \"-c\", \"exec uvicorn app:app --port $${PORT}\"]")),
        ("replicas listening on $PORT with a default", replicated("command: sh -c 'exec uvicorn app:app --port $${PORT:-8000}'")),
        ("replicas whose port variable is set in environment (it is replaced)", replicated("command: myserver\n    environment:\n      PORT: 8000")),
        ("replicas with a custom port_env used by the command", replicated("command: sh -c 'exec myserver --port $$HTTP_PORT'\n    x-aicore:\n      port_env: HTTP_PORT")),
        ("replicas with a port that is not theirs", replicated("command: myserver --port 9000 --upstream db:5432")),
        ("one replica with a fixed port (it gets its own port as $PORT too)", "services:\n  api:\n    command: uvicorn app:app --port 8000\n    ports: [\"8000\"]\n"),
        ("replicas without ports", "services:\n  api:\n    command: uvicorn app:app --port 8000\n    deploy:\n      replicas: 3\n"),
        ("replicas on a fixed port, each in a network namespace of its own (bridge)", replicated("command: uvicorn app:app --port 8000", networkMode: "bridge")),
        ("replicas on a fixed port on the default network", "services:\n  api:\n    command: uvicorn app:app --port 8000\n    ports: [\"8000\"]\n    deploy:\n      replicas: 3\n"),
        ("replicas on a fixed port on named networks", "services:\n  api:\n    command: uvicorn app:app --port 8000\n    ports: [\"8000\"]\n    networks: [back]\n    deploy:\n      replicas: 3\nnetworks:\n  back:\n"),
    ]

    @Test("the forms to write instead give no warning", arguments: correct)
    func correctFormIsQuiet(_ input: (description: String, yaml: String)) throws {
        #expect(try Self.habits(input.yaml).isEmpty, "\(input.description)")
    }

    @Test("an image alone is enough: it is pulled and run, with no warning")
    func imageWithoutCommand() throws {
        let loaded = try Self.load("services:\n  api:\n    image: nginx\n")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.stack.service(named: "api")?.image == "nginx")
    }

    @Test("mount targets are checked against the host's filesystem by default")
    func defaultChecksTheHost() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        // Not under /tmp, which every instance has as its own tmpfs.
        let missing = "/aicore-spec-missing-" + UUID().uuidString
        try fixture.write("stack.yml", StackFixture.apiHeader + "    volumes:\n      - /tmp/x:/var\n      - /tmp/x:\(missing)\n")
        let loaded = try StackLoader.load(StackLoadOptions(files: [fixture.directory + "/stack.yml"], environment: [:]))
        #expect(loaded.warnings.filter { $0.kind == .composeHabit }.map(\.keyPath) == ["services.api.volumes[1]"])
    }
}
