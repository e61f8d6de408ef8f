import AICoreImages
import AICoreSpec

/// A service as it runs on an image: what the stack file leaves unsaid comes from the image's
/// config, by Compose's rules.
///
/// - `command` replaces the image's `Cmd`. A non-null `entrypoint` replaces its `Entrypoint`
///   and drops its `Cmd` (Docker's `--entrypoint`); `entrypoint: []` therefore clears both,
///   and the service must then give a `command` (docker/compose#5272 left this undefined; we
///   choose the reading that matches `docker run --entrypoint ""`).
/// - Environment: the image's, then `env_file`, then `environment` (the last two are already
///   merged in the service).
/// - `user`, `working_dir` and `stop_signal` when the stack file does not set them.
/// - `healthcheck` field by field: the stack file's keys win, the image's fill the rest;
///   `disable: true` (or `test: ["NONE"]`) turns the image's off.
/// - Each of the image's `Volumes` becomes an anonymous volume, unless the service mounts
///   something at or above that path.
public enum ImageDefaults {
    public static func apply(_ configuration: ImageConfiguration, to service: Service) throws(TaskSpecBuilder.Failure) -> Service {
        var result = service
        let image = configuration.config

        let entrypoint: [String]
        let command: [String]
        if let own = service.entrypoint {
            entrypoint = own
            command = service.command ?? []
        } else {
            entrypoint = image?.entrypoint ?? []
            command = service.command ?? image?.cmd ?? []
        }
        guard !(entrypoint + command).isEmpty else {
            throw TaskSpecBuilder.Failure(description: "service \(service.name): the image \(service.image ?? "") has no Entrypoint or Cmd, and the service gives no `command` or `entrypoint`: nothing to run")
        }
        result.entrypoint = entrypoint
        result.command = command

        var environment: [String: String] = [:]
        for entry in image?.env ?? [] {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        result.environment = environment.merging(service.environment) { _, own in own }

        if service.user == nil, let user = image?.user, !user.isEmpty { result.user = user }
        if service.workingDir == nil, let directory = image?.workingDir, !directory.isEmpty { result.workingDir = directory }
        if !service.stopSignalWritten, let text = image?.stopSignal, let signal = StopSignal(parsing: text) {
            result.stopSignal = signal
        }
        result.healthcheck = mergedHealthcheck(service.healthcheck, image: image?.healthcheck)

        let mounted = service.volumes.map(\.target)
        for path in (image?.volumes ?? [:]).keys.sorted() {
            let target = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            guard target.hasPrefix("/"), !mounted.contains(where: { target == $0 || target.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
                continue
            }
            result.volumes.append(VolumeMount(kind: .volume, source: nil, target: target))
        }
        return result
    }

    static func mergedHealthcheck(_ own: Healthcheck?, image: ImageConfiguration.Healthcheck?) -> Healthcheck? {
        var merged = own ?? Healthcheck(test: nil)
        if own == nil { merged.written = [] }
        guard let image else { return own }
        if !merged.written.contains(.test) {
            merged.test = test(image.test)
        }
        func duration(_ nanoseconds: Int64?) -> Duration? {
            guard let nanoseconds, nanoseconds > 0 else { return nil }
            return .nanoseconds(nanoseconds)
        }
        if !merged.written.contains(.interval), let value = duration(image.interval) { merged.interval = value }
        if !merged.written.contains(.timeout), let value = duration(image.timeout) { merged.timeout = value }
        if !merged.written.contains(.startPeriod), let value = duration(image.startPeriod) { merged.startPeriod = value }
        if !merged.written.contains(.startInterval), let value = duration(image.startInterval) { merged.startInterval = value }
        if !merged.written.contains(.retries), let retries = image.retries, retries > 0 { merged.retries = retries }
        merged.written = Set(Healthcheck.Field.allCases)
        return merged
    }

    /// Docker's `Test`: `["CMD", argv…]`, `["CMD-SHELL", command]`, `["NONE"]` (off); empty
    /// means "inherit", which for an image is none.
    static func test(_ words: [String]?) -> Healthcheck.Test? {
        guard let words, let first = words.first else { return nil }
        switch first {
        case "CMD": return words.count > 1 ? .exec(Array(words.dropFirst())) : nil
        case "CMD-SHELL": return words.count > 1 ? .shell(words.dropFirst().joined(separator: " ")) : nil
        default: return nil
        }
    }
}
