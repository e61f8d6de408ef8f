/// The body of `PUT /fault`: only the switches present change. `crash_after: null` disarms the crash.
public struct FaultPatch: Decodable, Sendable {
    public var neverReady: Bool?
    /// `.some(nil)` when the body says `"crash_after": null`.
    public var crashAfterSeconds: Double??
    public var hang: Bool?
    public var delayMilliseconds: Int?
    public var leakMegabytesPerSecond: Int?

    public init(
        neverReady: Bool? = nil, crashAfterSeconds: Double?? = nil, hang: Bool? = nil,
        delayMilliseconds: Int? = nil, leakMegabytesPerSecond: Int? = nil
    ) {
        self.neverReady = neverReady
        self.crashAfterSeconds = crashAfterSeconds
        self.hang = hang
        self.delayMilliseconds = delayMilliseconds
        self.leakMegabytesPerSecond = leakMegabytesPerSecond
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: FaultSettings.CodingKeys.self)
        neverReady = try container.decodeIfPresent(Bool.self, forKey: .neverReady)
        if container.contains(.crashAfterSeconds) {
            crashAfterSeconds = .some(try container.decodeIfPresent(Double.self, forKey: .crashAfterSeconds))
        }
        hang = try container.decodeIfPresent(Bool.self, forKey: .hang)
        delayMilliseconds = try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds)
        leakMegabytesPerSecond = try container.decodeIfPresent(Int.self, forKey: .leakMegabytesPerSecond)
    }

    /// Why the patch cannot apply, or nil.
    public var problem: String? {
        if let seconds = crashAfterSeconds ?? nil, !(seconds >= 0 && seconds.isFinite) { return "crash_after must be >= 0" }
        if let delay = delayMilliseconds, delay < 0 { return "delay_ms must be >= 0" }
        if let leak = leakMegabytesPerSecond, leak < 0 { return "leak_mb_per_s must be >= 0" }
        return nil
    }

    public func applied(to settings: FaultSettings) -> FaultSettings {
        var result = settings
        if let neverReady { result.neverReady = neverReady }
        if let crashAfterSeconds { result.crashAfterSeconds = crashAfterSeconds }
        if let hang { result.hang = hang }
        if let delayMilliseconds { result.delayMilliseconds = delayMilliseconds }
        if let leakMegabytesPerSecond { result.leakMegabytesPerSecond = leakMegabytesPerSecond }
        return result
    }
}
