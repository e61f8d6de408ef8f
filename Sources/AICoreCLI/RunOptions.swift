import AICoreErrors
import AICoreOS
import AICorePaths
import AICoreSpec
import AICoreRuntime
import AICoreSystem
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// What `aicore-node run` was asked, as plain values: `Run` (ArgumentParser) produces them,
/// and so does `RunOptions.scan` without ArgumentParser's reflection, for the one-shot's start.
struct RunOptions: Equatable {
    var name: String?
    var memory: String?
    var cpus: Double?
    var cpuWeight: UInt64?
    var pidsLimit = 4096
    var user: String?
    var readOnly = false
    var volume: [String] = []
    var tmpfs: [String] = []
    var hide: [String] = []
    var capAdd: [String] = []
    var capDrop: [String] = []
    var securityOpt: [String] = []
    var env: [String] = []
    var envFile: [String] = []
    var workdir: String?
    var hostname: String?
    var rootfs: String?
    /// An image of the agent's store (`image pull`/`image load`) to run on instead of a root.
    var image: String?
    var imageStore = RunOptions.defaultImageStore
    var network = "host"
    var ulimit: [String] = []
    var oomScoreAdj: Int32 = 0
    var logDir: String?
    var logMaxSize = "10m"
    var logMaxFiles = 3
    var stateDir = "/run/aicore/run"
    var cgroupDriver = CgroupDriver.auto.rawValue
    var keepState = false
    /// The command after `--`.
    var command: [String] = []

    /// The agent's store under its default state directory.
    static let defaultImageStore = "/var/lib/aicore/images"

    func validate() throws {
        if command.isEmpty && image == nil {
            throw ValidationError("missing command: usage: aicore-node run [OPTIONS] -- COMMAND [ARG...] (or --image IMAGE [-- COMMAND [ARG...]])")
        }
        if image != nil && rootfs != nil {
            throw ValidationError("--image and --rootfs both name the root: give one")
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
        if CgroupDriver(rawValue: cgroupDriver) == nil {
            throw ValidationError("invalid --cgroup-driver \"\(cgroupDriver)\": expected "
                                  + CgroupDriver.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() async throws {
        guard getuid() == 0 else {
            Run.fail("must run as root: it creates namespaces, mounts and cgroups (try sudo)")
        }
        let spec: TaskSpec
        do {
            spec = try makeSpec(image: try await openImage())
        } catch let error as AICoreError {
            Run.fail(error.message)
        } catch {
            Run.fail("\(error)")
        }
        let driver: LinuxTaskDriver
        do {
            // A systemd host gets a transient scope, as the agent's instances do: an instance
            // outside any unit is one systemd does not know of and may disturb.
            let cgroups = try CgroupDetection.detect(driver: CgroupDriver(rawValue: cgroupDriver) ?? .auto)
            driver = try LinuxTaskDriver(configuration: .init(stateRoot: stateDir, writableLayerRoot: Self.writableLayerRoot(imageStore)),
                                         cgroups: cgroups)
        } catch {
            Run.fail("cgroups (--cgroup-driver \(cgroupDriver)): \(error)")
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
        if keepState { driver.releaseImageRoot(handle) } else { try? driver.remove(handle) }
        if result.oomKilled {
            writeStderr("OOMKilled\n")
        }
        throw ExitCode(result.exitCode)
    }

    struct SpecError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    func makeSpec(image: RunImageRoot? = nil) throws -> TaskSpec {
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
                    do {
                        seccomp = try .profile(readingFile: kv[1])
                    } catch {
                        throw SpecError(error.message)
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
        var command = command
        var user = user
        var workdir = workdir
        if let image {
            // `docker run IMAGE [COMMAND]`: the command replaces Cmd, the Entrypoint stays; the
            // image's Env comes first and -e/--env-file override it; -u and -w win over its
            // User and WorkingDir.
            let config = image.config
            command = (config?.entrypoint ?? []) + (command.isEmpty ? config?.cmd ?? [] : command)
            guard !command.isEmpty else {
                throw SpecError("the image \(image.name) has no Entrypoint or Cmd: give a command after --")
            }
            let own = Set(environment.map { String($0.prefix { $0 != "=" }) })
            environment = (config?.env ?? []).filter { !own.contains(String($0.prefix { $0 != "=" })) } + environment
            if user == nil, let imageUser = config?.user, !imageUser.isEmpty { user = imageUser }
            if workdir == nil, let directory = config?.workingDir, !directory.isEmpty { workdir = directory }
        }
        guard (-1000...1000).contains(oomScoreAdj) else {
            throw SpecError("--oom-score-adj \(oomScoreAdj): expected -1000 to 1000")
        }
        var spec = TaskSpec(
            id: id, command: command, environment: environment, workingDirectory: workdir, user: user,
            rootfs: rootfs, imageRoot: image?.root, readOnlyRoot: readOnly, hostname: hostname,
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
