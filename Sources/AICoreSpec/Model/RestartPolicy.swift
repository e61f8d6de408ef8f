/// When an exited instance is started again: Compose `restart` and `deploy.restart_policy` as one value.
public struct RestartPolicy: Sendable, Hashable {
    public enum Condition: String, Sendable, Hashable, CaseIterable {
        case no
        case always
        case onFailure = "on-failure"
        case unlessStopped = "unless-stopped"
    }

    public var condition: Condition
    /// The first back-off delay; it doubles up to a cap.
    public var delay: Duration
    /// nil: unlimited.
    public var maxAttempts: Int?
    /// The window in which attempts are counted; nil: the instance's whole life.
    public var window: Duration?

    public static let defaultDelay = Duration.seconds(1)

    public init(condition: Condition, delay: Duration = defaultDelay, maxAttempts: Int? = nil, window: Duration? = nil) {
        self.condition = condition
        self.delay = delay
        self.maxAttempts = maxAttempts
        self.window = window
    }

    /// Compose's `restart` text: `no`, `always`, `on-failure`, `on-failure:3`, `unless-stopped`.
    public init?(composeText: String) {
        let text = composeText.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("on-failure:") {
            guard let count = Int(text.dropFirst("on-failure:".count)), count >= 0 else { return nil }
            self.init(condition: .onFailure, maxAttempts: count)
            return
        }
        guard let condition = Condition(rawValue: text) else { return nil }
        self.init(condition: condition)
    }

    public var composeText: String {
        if condition == .onFailure, let maxAttempts { return "on-failure:\(maxAttempts)" }
        return condition.rawValue
    }
}
