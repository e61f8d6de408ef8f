/// Compose `healthcheck`, with Compose's defaults filled in.
public struct Healthcheck: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        /// `["CMD", argv...]`: run argv directly.
        case exec([String])
        /// A string or `["CMD-SHELL", command]`: run with `/bin/sh -c`.
        case shell(String)
    }

    /// nil when disabled (`disable: true` or `test: ["NONE"]`).
    public var test: Test?
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
