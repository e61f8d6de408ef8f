/// Compose `healthcheck`, with Compose's defaults filled in.
public struct Healthcheck: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        /// `["CMD", argv...]`: run argv directly.
        case exec([String])
        /// A string or `["CMD-SHELL", command]`: run with `/bin/sh -c`.
        case shell(String)
    }

    /// The keys a healthcheck can set, for merging with an image's own (Docker merges field by
    /// field: the service's keys win, the image's fill the rest).
    public enum Field: String, Sendable, Hashable, CaseIterable {
        case test, interval, timeout, retries, startPeriod, startInterval
    }

    /// nil when disabled (`disable: true` or `test: ["NONE"]`), or when the service gave no
    /// `test` (`written` then lacks `.test`, and an image's test applies).
    public var test: Test?
    /// The keys the stack file set, for a service with an image (whose healthcheck fills the
    /// others); all of them otherwise, and for a healthcheck made in code.
    public var written: Set<Field> = Set(Field.allCases)
    public var interval: Duration
    public var timeout: Duration
    public var retries: Int
    public var startPeriod: Duration
    public var startInterval: Duration

    public static let defaultInterval = Duration.seconds(30)
    public static let defaultTimeout = Duration.seconds(30)
    public static let defaultRetries = 3
    public static let defaultStartInterval = Duration.seconds(5)

    public init(
        test: Test?, interval: Duration = defaultInterval, timeout: Duration = defaultTimeout,
        retries: Int = defaultRetries, startPeriod: Duration = .zero, startInterval: Duration = defaultStartInterval
    ) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.retries = retries
        self.startPeriod = startPeriod
        self.startInterval = startInterval
    }

    public var isDisabled: Bool { test == nil }
}

extension Healthcheck.Field {
    /// The field a Compose `healthcheck` key sets.
    init?(composeKey: String) {
        switch composeKey {
        case "test": self = .test
        case "interval": self = .interval
        case "timeout": self = .timeout
        case "retries": self = .retries
        case "start_period": self = .startPeriod
        case "start_interval": self = .startInterval
        default: return nil
        }
    }
}
