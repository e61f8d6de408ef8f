import AICoreOS
import AICoreRuntime
import AICoreStore
import AICoreSupervisor
import AICoreSystem
import ArgumentParser
import Dispatch
import Foundation

/// `aicore-node supervise`: internal, for tests. Supervises every service of a stack in the
/// foreground until SIGINT/SIGTERM. The agent (`aicore-node agent`) supersedes it.
struct Supervise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "[internal, for tests] Supervise all services of a stack in the foreground.",
        discussion: """
            Internal command for tests and benchmarks; `aicore-node agent` replaces it. Starts or \
            re-adopts every instance of the stack, restarts them by their restart policies, runs \
            their healthchecks and probes, and prints one line per event: \
            `<time> <instance> <state> <type>: <reason>`.

            State lives under --state-dir: state.db (the Store), instances/, logs/ and volumes/. \
            Killed with SIGKILL, it leaves every workload running; started again with the same \
            state dir, it re-adopts them without restarting any. SIGINT or SIGTERM stop every \
            instance (dependents first) and exit 0.
            """,
        shouldDisplay: false
    )

    @OptionGroup var stackFiles: StackFileOptions

    @Option(name: .long, help: "Directory for the Store, instance state, logs and volumes.")
    var stateDir: String

    @Option(name: .long, help: "Where compiled seccomp filters are cached (default: <state-dir>/seccomp-cache).")
    var seccompCache: String?

    func run() async throws {
        // Signals become an async stream; the default actions are off while we handle them.
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        defer { sources.forEach { $0.cancel() } }
        let loaded = try stackFiles.load(strict: false)
        let root = URL(fileURLWithPath: stateDir).standardizedFileURL.path
        try FileIO.makeDirectories(root, mode: 0o711)
        let store: SQLiteStore
        do {
            store = try SQLiteStore(path: root + "/state.db")
        } catch {
            DiagnosticPrinter.writeLine("aicore-node: \(error.message)")
            throw ExitCode(ExitStatus.failure)
        }
        let layout = SupervisorLayout(root: root)
        let driver = try LinuxTaskDriver(configuration: LinuxTaskDriver.Configuration(
            stateRoot: layout.instancesDirectory, seccompCacheDirectory: seccompCache ?? root + "/seccomp-cache"))
        let supervisor = Supervisor(stack: loaded.stack, driver: driver, store: store,
                                    prober: LiveProbeExecutor(driver: driver), clock: ContinuousClock(), layout: layout)

        let runners: [TaskRunner<ContinuousClock>]
        do {
            runners = try await supervisor.start()
        } catch {
            DiagnosticPrinter.writeLine("aicore-node: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
        for runner in runners {
            Task {
                for await event in runner.events {
                    let pid = event.pid.map { " pid=\($0)" } ?? ""
                    let line = "\(event.time) \(event.instance) \(event.state.rawValue) \(event.type)\(pid): \(event.reason)\n"
                    FileHandle.standardOutput.write(Data(line.utf8))
                }
            }
        }
        for await sig in signals {
            DiagnosticPrinter.writeLine("aicore-node: signal \(sig): stopping every instance")
            break
        }
        await supervisor.stopAll()
    }
}
