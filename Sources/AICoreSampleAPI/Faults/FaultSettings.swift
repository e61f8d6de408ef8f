/// The test switches: read from the environment at start (so a rollout can change them), and
/// changed at run time through `PUT /fault`.
public struct FaultSettings: Equatable, Codable, Sendable {
    /// `AICORE_SAMPLE_NEVER_READY=1`: `/health/ready` always answers 503.
    public var neverReady: Bool = false
    /// `AICORE_SAMPLE_CRASH_AFTER=SECONDS`: exit(1) that long after first becoming ready.
    public var crashAfterSeconds: Double?
    /// `AICORE_SAMPLE_HANG=1`: accept connections but never answer, health included.
    public var hang: Bool = false
    /// `AICORE_SAMPLE_DELAY_MS=N`: every response is delayed N milliseconds.
    public var delayMilliseconds: Int = 0
    /// `AICORE_SAMPLE_LEAK_MB_PER_S=N`: allocate and touch N MB per second, never freed.
    public var leakMegabytesPerSecond: Int = 0

    public init(
        neverReady: Bool = false, crashAfterSeconds: Double? = nil, hang: Bool = false,
        delayMilliseconds: Int = 0, leakMegabytesPerSecond: Int = 0
    ) {
        self.neverReady = neverReady
        self.crashAfterSeconds = crashAfterSeconds
        self.hang = hang
        self.delayMilliseconds = delayMilliseconds
        self.leakMegabytesPerSecond = leakMegabytesPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case neverReady = "never_ready"
        case crashAfterSeconds = "crash_after"
        case hang
        case delayMilliseconds = "delay_ms"
        case leakMegabytesPerSecond = "leak_mb_per_s"
    }

    public static let neverReadyVariable = "AICORE_SAMPLE_NEVER_READY"
    public static let crashAfterVariable = "AICORE_SAMPLE_CRASH_AFTER"
    public static let hangVariable = "AICORE_SAMPLE_HANG"
    public static let delayVariable = "AICORE_SAMPLE_DELAY_MS"
    public static let leakVariable = "AICORE_SAMPLE_LEAK_MB_PER_S"

    /// Reads the switches; an unset or empty variable leaves the switch off.
    public init(environment: [String: String]) throws(ConfigurationError) {
        self.init()
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        if let text = value(Self.neverReadyVariable) { neverReady = try Self.flag(text, Self.neverReadyVariable) }
        if let text = value(Self.hangVariable) { hang = try Self.flag(text, Self.hangVariable) }
        if let text = value(Self.crashAfterVariable) {
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
                throw ConfigurationError(
                    variable: Self.crashAfterVariable, message: "\"\(text)\" is not a number of seconds >= 0")
            }
            crashAfterSeconds = seconds
        }
        if let text = value(Self.delayVariable) {
            delayMilliseconds = try Self.count(text, Self.delayVariable, "milliseconds")
        }
        if let text = value(Self.leakVariable) {
            leakMegabytesPerSecond = try Self.count(text, Self.leakVariable, "megabytes per second")
        }
    }

    static func flag(_ text: String, _ variable: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: variable, message: "\"\(text)\" is not a boolean (expected 1 or 0)")
        }
    }

    static func count(_ text: String, _ variable: String, _ unit: String) throws(ConfigurationError) -> Int {
        guard let number = Int(text), number >= 0 else {
            throw ConfigurationError(variable: variable, message: "\"\(text)\" is not a whole number of \(unit) >= 0")
        }
        return number
    }
}
