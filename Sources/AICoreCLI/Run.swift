import AICoreErrors
import AICoreOS
import AICorePaths
import AICoreSpec
import AICoreRuntime
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `aicore-node run`: the `docker run` of aicore-node. Runs one command in the foreground with
/// the default isolation, passes its output through, forwards Ctrl-C, and exits with its status.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command in a new isolated instance, in the foreground.",
        discussion: """
        The instance gets its own pid, mount, uts and ipc namespaces (and network with \
        --network none), a cgroup with the given limits (pids default to 4096), no_new_privs, \
        Docker's default capabilities for root (none for any other user), and Docker's default \
        seccomp profile. Its root is the host's / mounted read-only, or --rootfs DIR; it gets a \
        fresh /proc, a minimal /dev, a read-only /sys, a private /tmp and /run, and Docker's masked \
        and read-only /proc paths.

        Read-only root: the host root (the default) is always read-only and --read-only changes \
        nothing for it. With --rootfs DIR the root is writable unless --read-only is given. \
        Either way, writable places are only /tmp, /run (host root), /dev/shm, and the volumes \
        and tmpfs mounts given with -v and --tmpfs.

        The workload's stdout and stderr are copied to this terminal and written to a log file \
        (`<state-dir>/<name>/logs/container.log` unless --log-dir is given), one line per record: \
        `<RFC 3339 time> stdout|stderr F <text>`. Exit status: the command's, 128+N when it was \
        killed by signal N, 137 with `OOMKilled` on stderr when it hit the memory limit, 125 when \
        aicore-node itself failed, 126/127 when the command cannot be run / was not found.
        """
    )

    @Option(name: .long, help: "Instance name (default: run-<random>).")
    var name: String?

    @Option(name: .long, help: "Memory limit, e.g. 256m (swap is limited to the same).")
    var memory: String?

    @Option(name: .long, help: "CPU quota in CPUs, e.g. 0.5.")
    var cpus: Double?

    @Option(name: .long, help: "Relative CPU weight (1-10000).")
    var cpuWeight: UInt64?

    @Option(name: .long, help: "Maximum number of processes (default 4096; -1 for no limit).")
    var pidsLimit: Int = 4096

    @Option(name: [.short, .long], help: "User: name|uid[:group|gid], resolved in the root filesystem.")
    var user: String?

    @Flag(name: .long, help: "Mount the --rootfs read-only (the host root always is).")
    var readOnly = false

    @Option(name: [.customShort("v"), .long], help: "Bind mount SRC:DST[:ro].")
    var volume: [String] = []

    @Option(name: .long, help: "tmpfs mount PATH[:size=64m,mode=1777,ro].")
    var tmpfs: [String] = []

    @Option(name: .long, help: "Hide a host path from the workload, besides the host's secrets (x-aicore.hide_paths).")
    var hide: [String] = []

    @Option(name: .long, help: "Add a capability (or ALL).")
    var capAdd: [String] = []

    @Option(name: .long, help: "Drop a capability (or ALL).")
    var capDrop: [String] = []

    @Option(name: .long, help: "seccomp=unconfined, seccomp=PROFILE.json, no-new-privileges[:true].")
    var securityOpt: [String] = []

    @Option(name: [.short, .long], help: "Set an environment variable K=V (K alone: take it from here).")
    var env: [String] = []

    @Option(name: .long, help: "Read environment variables from a file (K=V lines).")
    var envFile: [String] = []

    @Option(name: [.customShort("w"), .long], help: "Working directory inside the instance.")
    var workdir: String?

    @Option(name: [.customShort("h"), .long], help: "Hostname (default: the instance name).")
    var hostname: String?

    @Option(name: .long, help: "Directory to use as the root filesystem instead of the host's /.")
    var rootfs: String?

    @Option(name: .long, help: "Network: host (default) or none.")
    var network: String = "host"

    @Option(name: .long, help: "rlimit NAME=SOFT[:HARD], e.g. nofile=1024:4096.")
    var ulimit: [String] = []

    @Option(name: .long, help: "The workload's oom_score_adj, -1000 to 1000 (default 0, not this process's own).")
    var oomScoreAdj: Int32 = 0

    @Option(name: .long, help: "Directory for the log file (default: the instance's state directory).")
    var logDir: String?

    @Option(name: .long, help: "Rotate the log file at this size (default 10m).")
    var logMaxSize: String = "10m"

    @Option(name: .long, help: "Log files kept, the current one included (default 3).")
    var logMaxFiles: Int = 3

    @Option(name: .long, help: "Where instance state directories go.")
    var stateDir: String = "/run/aicore/run"

    @Flag(name: .long, help: "Keep the instance's state directory (exit file, log) after it exits.")
    var keepState = false

    @Argument(parsing: .postTerminator, help: "-- COMMAND [ARG...] (the -- is required)")
    var command: [String] = []

    var commandLine: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        if commandLine.isEmpty {
            throw ValidationError("missing command: usage: aicore-node run [OPTIONS] -- COMMAND [ARG...]")
        }
        for path in hide {
            // The rule of x-aicore.hide_paths: a path is hidden as written, so `..` is refused.
            if case .failure = InstancePath.normalized(path) {
                throw ValidationError("invalid --hide \"\(path)\": expected an absolute path other than /, without . or .. components")
            }
        }
        if !["host", "none"].contains(network) {
            throw ValidationError("invalid --network \"\(network)\": expected host or none")
        }
    }

    /// docker run's failure shape: one line, exit 125.
    static func fail(_ message: String, code: Int32 = 125) -> Never {
        writeStderr("aicore-node run: \(message)\n")
        Glibc.exit(code)
    }

    func run() async throws {
        guard getuid() == 0 else {
            Run.fail("must run as root: it creates namespaces, mounts and cgroups (try sudo)")
        }
        let spec: TaskSpec
        do {
            spec = try makeSpec()
        } catch {
            Run.fail("\(error)")
        }
        let driver: LinuxTaskDriver
        do {
            driver = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir))
        } catch {
            Run.fail("cgroups: \(error)")
        }
        let handle: TaskHandle
        do {
            handle = try driver.startBlocking(spec)
        } catch let error as AICoreError {
            Run.fail(error.message, code: error.exitCode)
        }
        if let pidfd = handle.pidfd {
            try? SignalForwarding.forward(to: pidfd)
        }
        let result: TaskExit
        do {
            result = try await driver.wait(handle)
        } catch {
            Run.fail("\(error)")
        }
        if !keepState { try? driver.remove(handle) }
        if result.oomKilled {
            writeStderr("OOMKilled\n")
        }
        throw ExitCode(result.exitCode)
    }

    struct SpecError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    func makeSpec() throws -> TaskSpec {
        let id = name ?? "run-" + String(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff_ffff, radix: 16)
        var limits = CgroupLimits(pidsMax: pidsLimit < 0 ? nil : pidsLimit)
        if let memory {
            guard let bytes = ByteCount.parse(memory) else {
                throw SpecError("invalid --memory \"\(memory)\": expected a size like 256m")
            }
            limits.memoryBytes = bytes
        }
        if let cpus {
            guard cpus > 0 else { throw SpecError("invalid --cpus \(cpus): expected a positive number") }
            limits.cpus = cpus
        }
        limits.cpuWeight = cpuWeight
        guard let maxBytes = ByteCount.parse(logMaxSize) else {
            throw SpecError("invalid --log-max-size \"\(logMaxSize)\"")
        }
        var seccomp: TaskSpec.Seccomp = .dockerDefault
        for opt in securityOpt {
            let kv = opt.split(separator: "=", maxSplits: 1).map(String.init)
            let key = kv[0].split(separator: ":").first.map(String.init) ?? kv[0]
            switch key {
            case "seccomp":
                guard kv.count == 2 else { throw SpecError("invalid --security-opt \"\(opt)\": expected seccomp=unconfined or seccomp=FILE.json") }
                if kv[1] == "unconfined" {
                    seccomp = .unconfined
                } else {
                    let text = try FileIO.read(kv[1])
                    do {
                        seccomp = .profile(try SeccompProfileLoader.decode(text))
                    } catch {
                        throw SpecError("invalid seccomp profile \(kv[1]): \(error)")
                    }
                }
            case "no-new-privileges":
                let value = opt.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init)
                    ?? (kv.count == 2 ? kv[1] : "true")
                guard value == "true" else {
                    throw SpecError("--security-opt \(opt): no_new_privs is always on in aicore-node")
                }
            default:
                throw SpecError("unknown --security-opt \"\(opt)\": expected seccomp=… or no-new-privileges")
            }
        }
        var environment: [String] = []
        for file in envFile {
            // The same dotenv syntax as stack files: quotes, `export`, comments, CRLF.
            switch EnvFileParser.parse(try FileIO.readString(file)) {
            case .success(let entries):
                for entry in entries {
                    environment.append(try envEntry(entry.value.map { "\(entry.key)=\($0)" } ?? entry.key))
                }
            case .failure(let failure):
                throw SpecError("\(file):\(failure.line):\(failure.column): \(failure.message)")
            }
        }
        for e in env { environment.append(try envEntry(e)) }
        guard (-1000...1000).contains(oomScoreAdj) else {
            throw SpecError("--oom-score-adj \(oomScoreAdj): expected -1000 to 1000")
        }
        var spec = TaskSpec(
            id: id, command: commandLine, environment: environment, workingDirectory: workdir, user: user,
            rootfs: rootfs, readOnlyRoot: readOnly, hostname: hostname,
            mounts: try volume.map { try MountSpec.parseVolume($0) } + tmpfs.map { try MountSpec.parseTmpfs($0) },
            hiddenPaths: hide, capAdd: capAdd, capDrop: capDrop, seccomp: seccomp, rlimits: try ulimit.map { try ResourceLimit.parse($0) },
            limits: limits, network: network == "none" ? .none : .host,
            logging: .init(directory: logDir, maxBytes: maxBytes, maxFiles: logMaxFiles),
            passthroughStdoutFD: 1, passthroughStderrFD: 2)
        spec.oomScoreAdj = oomScoreAdj
        return spec
    }

    func envEntry(_ text: String) throws -> String {
        if text.contains("=") { return text }
        guard !text.isEmpty else { throw SpecError("invalid environment variable \"\(text)\"") }
        guard let value = getenv(text) else { return text + "=" }
        return text + "=" + String(cString: value)
    }
}

/// Writes to fd 2 directly (the C `stderr` global is shared mutable state to Swift 6).
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
    }
}
