import AICoreErrors
import AICoreImages
import AICoreServer
import AICoreSpec
import AICoreSupervisor
import ArgumentParser
import Foundation
import Logging

/// `aicore-node up`: apply a stack file, like `docker compose up`.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update a stack and start it.",
        discussion: """
            Loads and validates the stack file here (with this shell's environment and .env), then \
            sends it to the agent, which starts what is missing in depends_on order, replaces \
            services whose spec changed and leaves the rest alone. Images of services with \
            `build:` are built first (as `build` does) when the node lacks them, at every `up` \
            with pull_policy: build, and always with --build; the others are pulled as their \
            pull_policy says.

            With no agent reachable (and no --host/AICORE_HOST), `up` runs one in the foreground \
            with its state in ./.aicore, shows progress, then the stack's logs and events, and stops the \
            stack on Ctrl-C. With an agent: -d returns once the plan is accepted; --wait returns \
            when every service is ready (or completed, for one-shot services) and fails with the \
            reason otherwise.
            """
    )

    @OptionGroup var stackFiles: StackFileOptions
    @OptionGroup var agent: AgentOptions

    @Flag(name: [.short, .customLong("detach")], help: "Return once the agent accepted the stack.")
    var detach = false

    @Flag(name: .long, help: "Return when every service is ready; exit 1 with the reason when one fails.")
    var wait = false

    @Option(name: .long, help: "Seconds --wait waits at most.")
    var waitTimeout: Int = 600

    @Option(name: .long, help: "State directory of the embedded agent (default ./.aicore).")
    var stateDir: String?

    @Option(name: .long, help: ArgumentHelp("Pull images before starting: always, missing or never (default: each service's pull_policy).", valueName: "policy"))
    var pull: String?

    @Option(name: .long, help: ArgumentHelp("Run N replicas of SERVICE in this up (overrides the file); repeat for several.", valueName: "service=n"))
    var scale: [String] = []

    @Flag(name: .long, help: "Replace every service's instances even if nothing changed (a rolling restart of each).")
    var forceRecreate = false

    @Flag(name: .long, help: "Accepted as in Compose: services no longer in the file are always stopped and removed.")
    var removeOrphans = false

    @Flag(name: .long, help: "Build the images of services with a `build` section before starting (default: only those the node lacks, and pull_policy: build).")
    var build = false

    @Flag(name: .long, help: "Create the stack's instances (and its networks and volumes) without starting them; `start` or `up` starts them (`aicore-node create`).")
    var noStart = false

    @Flag(name: .long, help: "With SERVICE…: leave out the services they depend on.")
    var noDeps = false

    @Argument(help: "Only these services (and what they depend on, unless --no-deps); the others stay as they run.")
    var services: [String] = []

    func validate() throws {
        if let pull, PullPolicy(parsing: pull) == nil || pull == "build" {
            throw ValidationError("--pull must be always, missing or never, not \(pull)\(pull == "build" ? " (--build builds)" : "")")
        }
        _ = try Self.replicas(scale)
    }

    /// `--scale api=3 --scale worker=0` as replicas by service.
    static func replicas(_ scale: [String]) throws(ValidationError) -> [String: Int] {
        var replicas: [String: Int] = [:]
        for item in scale {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let count = Int(parts[1]), count >= 0 else {
                throw ValidationError("--scale expects SERVICE=N with N a whole number, 0 or more, not \(item)")
            }
            replicas[parts[0]] = count
        }
        return replicas
    }

    /// `up SERVICE…`: the services named and, unless `noDeps`, every service they depend on,
    /// transitively; nil when none is named (the whole stack). An unknown service is an error.
    static func selection(_ services: [String], noDeps: Bool, in stack: Stack) throws(CLIFailure) -> Set<String>? {
        guard !services.isEmpty else { return nil }
        var selected = Set<String>()
        var next = services
        while let name = next.popLast() {
            guard let service = stack.service(named: name) else {
                throw CLIFailure.invalid("the stack has no service \(name); it has \(stack.services.map(\.name).joined(separator: ", "))")
            }
            guard selected.insert(name).inserted, !noDeps else { continue }
            next += service.dependsOn.map(\.service).filter { stack.service(named: $0) != nil }
        }
        return selected
    }

    /// The loaded stack with `--scale` applied; a service it does not have is an error.
    static func scaled(_ stack: Stack, _ replicas: [String: Int]) throws(CLIFailure) -> Stack {
        var stack = stack
        for (name, count) in replicas.sorted(by: { $0.key < $1.key }) {
            guard let index = stack.services.firstIndex(where: { $0.name == name }) else {
                throw CLIFailure.invalid("--scale \(name)=\(count): the stack has no service \(name); it has \(stack.services.map(\.name).joined(separator: ", "))")
            }
            stack.services[index].deploy.replicas = count
        }
        return stack
    }

    func run() async throws {
        var loaded = try stackFiles.load(strict: true)
        loaded.stack = try Self.scaled(loaded.stack, try Self.replicas(scale))
        let selected = try Self.selection(services, noDeps: noDeps, in: loaded.stack)
        let stack = loaded.stack
        let yaml = AgentStackText.yaml(stack)
        let path = URL(fileURLWithPath: try stackFiles.loadOptions(strict: true).files[0]).standardizedFileURL.path
        let client = try agent.client()
        if await client.isReachable() {
            try await apply(client: client, loaded: loaded, yaml: yaml, path: path, selected: selected)
            if noStart { return }
            if detach && !wait { return }
            let converged = try await Progress.waitUntilConverged(client: client, stack: stack.name, timeout: .seconds(waitTimeout))
            guard converged else { throw ExitCode(ExitStatus.failure) }
            if wait || detach { return }
            try await followUntilInterrupted(client: client, stack: stack.name)
            return
        }
        guard !agent.isExplicit else {
            throw CLIFailure.failed("cannot reach the agent at \(client.address); is `aicore-node agent` running?")
        }
        guard !noStart else {
            throw CLIFailure.failed("no agent is running, and creating a stack without starting it needs one: start `aicore-node agent` (scripts/install.sh installs it as a service)")
        }
        guard !detach else {
            throw CLIFailure.failed("no agent is running, and -d needs one: start `aicore-node agent` (scripts/install.sh installs it as a service), or run `up` without -d")
        }
        // A new agent runs nothing yet: the services not selected are simply not run.
        if let selected {
            loaded.stack.services = loaded.stack.services.filter { selected.contains($0.name) }
            for index in loaded.stack.services.indices {
                loaded.stack.services[index].dependsOn.removeAll { !selected.contains($0.service) }
            }
        }
        try await runEmbedded(loaded: loaded, yaml: selected == nil ? yaml : AgentStackText.yaml(loaded.stack), path: path)
    }

    private func apply(client: AgentClient, loaded: LoadedStack, yaml: String, path: String, selected: Set<String>?) async throws {
        let stack = loaded.stack
        // Only the selected services are built, pulled and recreated.
        var work = loaded
        if let selected { work.stack.services = stack.services.filter { selected.contains($0.name) } }
        let override = pull.flatMap(PullPolicy.init(parsing:))
        let builtImages = try await buildFirst(work, yaml: yaml, path: path, client: client)
        try await pullFirst(work.stack, override: override, client: client)
        // The stack as sent names the image each built service runs, so a rebuilt one is a
        // changed spec the agent rolls out (as Compose recreates a container whose image changed).
        let yaml = builtImages.isEmpty ? yaml : AgentStackText.yaml(Self.labellingBuiltImages(stack, builtImages))
        var query = "project_name=\(urlEncoded(stack.name))&path=\(urlEncoded(path))"
        // Every file the stack was loaded from, for `ls`.
        for file in (try? stackFiles.loadOptions(strict: true).files) ?? [] {
            query += "&config_files=\(urlEncoded(URL(fileURLWithPath: file).standardizedFileURL.path))"
        }
        if let override { query += "&pull=\(urlEncoded(override.description))" }
        if noStart { query += "&start=false" }
        for name in (selected ?? []).sorted() { query += "&service=\(urlEncoded(name))" }
        let plan: PlanMessage
        do {
            plan = try await client.call("POST", "/v1/stacks?\(query)", yaml: yaml, as: PlanMessage.self)
        } catch let failure as CLIFailure {
            throw failure.located(in: loaded)
        }
        if noStart {
            // The instances made, none started.
            for instance in plan.starts { print("created \(instance)") }
            if plan.starts.isEmpty { print("stack \(stack.name): nothing to create") }
            return
        }
        Progress.printPlan(plan)
        if forceRecreate { try await recreate(work.stack, client: client, started: plan.starts) }
    }

    /// `--force-recreate`: a rolling restart of each service the apply did not already replace.
    private func recreate(_ stack: Stack, client: AgentClient, started: [String]) async throws {
        for service in stack.services where service.deploy.replicas > 0 {
            // Instances this apply starts are new already (a changed or added service).
            guard !started.contains(where: { $0.hasPrefix("\(stack.name)-\(service.name)-") }) else { continue }
            let path = "/v1/stacks/\(urlEncoded(stack.name))/services/\(urlEncoded(service.name))"
            _ = try await client.call("PATCH", path, json: ServiceUpdateRequest(restart: true), as: PlanMessage.self, timeout: .seconds(300))
            print("\(service.name): recreating")
        }
    }

    /// Builds, through the agent and with buildah's output shown here, the images of services
    /// with `build`: every one with --build, else those with `pull_policy: build` and those the
    /// node lacks (as Compose decides). The agent's own check before it starts anything then
    /// finds them present.
    /// Returns the ID of each built service's image on the node (built now or before).
    private func buildFirst(_ loaded: LoadedStack, yaml: String, path: String, client: AgentClient) async throws -> [String: String] {
        let stack = loaded.stack
        let built = stack.services.filter { $0.build != nil }
        guard !built.isEmpty else { return [:] }
        var present: [String: String] = [:]
        for image in try await client.call("GET", "/v1/images", as: [ImageStatus].self) { present[image.name] = image.id }
        func reference(_ service: Service) -> String? {
            service.image.flatMap { try? ImageReference(parsing: $0) }?.description
        }
        let wanted = build ? built : built.filter { service in
            service.pullPolicy == .build || reference(service).map { present[$0] == nil } ?? true
        }
        var ids: [String: String] = [:]
        for service in built {
            if let name = reference(service), let id = present[name] { ids[service.name] = id }
        }
        guard !wanted.isEmpty else { return ids }
        do {
            let images = try await ImageBuilding.build(stack, yaml: yaml, path: path, options: .init(services: wanted.map(\.name)), client: client)
            for (service, image) in images { ids[service] = image.id }
        } catch let failure as CLIFailure {
            throw failure.located(in: loaded)
        }
        return ids
    }

    /// The label that carries a built service's image ID to the agent.
    static let builtImageLabel = "dev.aicore.build.image-id"

    static func labellingBuiltImages(_ stack: Stack, _ ids: [String: String]) -> Stack {
        var labelled = stack
        for index in labelled.services.indices {
            guard let id = ids[labelled.services[index].name] else { continue }
            labelled.services[index].labels[builtImageLabel] = id
        }
        return labelled
    }

    /// Pulls what the stack's images need (by `pull_policy`, or `--pull`) through the agent
    /// before the apply, with each layer's progress shown here; the agent's own check before
    /// it starts anything then finds them present. A missing image under `never` fails here,
    /// before anything changes.
    private func pullFirst(_ stack: Stack, override: PullPolicy?, client: AgentClient) async throws {
        let pulls: [StackImagePull]
        do {
            pulls = try StackImagePull.plan(for: stack, override: override)
        } catch {
            throw CLIFailure.invalid(error.message)
        }
        guard !pulls.isEmpty else { return }
        let present = try await client.call("GET", "/v1/images", as: [ImageStatus].self)
        for entry in pulls {
            let pulled = present.first { $0.name == entry.reference.description }.flatMap { try? Date($0.updated, strategy: .iso8601) }
            let due: Bool
            do {
                due = try entry.isDue(pulled: pulled)
            } catch {
                throw CLIFailure.invalid(error.message)
            }
            guard due else { continue }
            print("pulling \(entry.reference.familiar) (\(entry.services.joined(separator: ", ")))")
            _ = try await ImagePulling.pull(entry.reference.description, platform: entry.platform, client: client, quiet: false)
        }
    }

    /// No agent: one in this process, state under ./.aicore, the stack stopped on Ctrl-C.
    private func runEmbedded(loaded: LoadedStack, yaml: String, path: String) async throws {
        let stack = loaded.stack
        guard getuid() == 0 else {
            throw CLIFailure.failed("no agent is running, and running one here needs root (namespaces, cgroups); use sudo, or start `aicore-node agent`")
        }
        let directory = URL(fileURLWithPath: stateDir ?? FileManager.default.currentDirectoryPath + "/" + AgentOptions.embeddedDirectoryName).standardizedFileURL.path
        let configuration = AgentConfiguration.local(directory)
        let logger = AgentLogging.bootstrap(level: .warning)
        FileHandle.standardError.write(Data("aicore-node: no agent running; starting one here (state in \(directory)); Ctrl-C stops the stack\n".utf8))
        // true once the agent is ready; false if it ends before that.
        let (readiness, readyContinuation) = AsyncStream.makeStream(of: Bool.self)
        let agentTask = Task {
            defer {
                readyContinuation.yield(false)
                readyContinuation.finish()
            }
            try await AgentProcess.run(configuration: configuration, proxy: ProxyProcessClient(launcher: .agent(configuration, logLevel: .warning), stopOnExit: configuration.stopWorkloadsOnExit, logger: logger), logger: logger) {
                readyContinuation.yield(true)
            }
        }
        let client = AgentClient(address: .unixSocket(configuration.socketPath), token: nil)
        var started = false
        for await value in readiness {
            started = value
            break
        }
        guard started else {
            let result = await agentTask.result
            if case let .failure(error) = result {
                throw CLIFailure.failed((error as? AICoreError)?.message ?? "\(error)")
            }
            throw CLIFailure.failed("the embedded agent stopped before it was ready")
        }
        let work = Task {
            try await apply(client: client, loaded: loaded, yaml: yaml, path: path, selected: nil)
            let converged = try await Progress.waitUntilConverged(client: client, stack: stack.name, timeout: .seconds(waitTimeout))
            if wait {
                // --wait with an embedded agent: report, then keep serving until Ctrl-C.
                FileHandle.standardError.write(Data((converged ? "aicore-node: stack \(stack.name) is up\n" : "aicore-node: stack \(stack.name) did not come up\n").utf8))
            }
            try await StackFollower.follow(client: client, stack: stack.name)
        }
        // Ctrl-C or SIGTERM: the agent's ServiceGroup shuts down and stops the stack.
        let outcome: Result<Void, any Error> = await agentTask.result
        work.cancel()
        if case let .failure(error) = outcome {
            throw CLIFailure.failed((error as? AICoreError)?.message ?? "\(error)")
        }
    }

    /// With an agent: show events until Ctrl-C, then stop the stack's services (like
    /// `docker compose up` in the foreground).
    private func followUntilInterrupted(client: AgentClient, stack name: String) async throws {
        let signals = SignalWatcher(signals: [SIGINT, SIGTERM])
        let follow = Task { try await StackFollower.follow(client: client, stack: name) }
        _ = await signals.next()
        follow.cancel()
        FileHandle.standardError.write(Data("aicore-node: stopping stack \(name)\n".utf8))
        let status = try await client.call("GET", "/v1/stacks/\(urlEncoded(name))", as: StackStatus.self)
        for service in status.services.reversed() {
            _ = try await client.call("POST", "/v1/stacks/\(urlEncoded(name))/services/\(urlEncoded(service.name))/stop",
                                      as: [String: [String]].self, timeout: .seconds(600))
        }
    }
}
