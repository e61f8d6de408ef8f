/// What a pull reports as it goes, per layer (Docker's `up` shows one line or bar for each).
public struct PullProgress: Sendable, Equatable, Codable {
    public enum Phase: String, Sendable, Codable {
        case resolving, waiting, downloading, verifying, extracting, done
        /// Already here: nothing to download or unpack.
        case exists
    }

    /// The reference being pulled.
    public var image: String
    /// The layer's (or config's) digest, or nil for the image as a whole.
    public var layer: Digest?
    public var phase: Phase
    public var current: UInt64
    public var total: UInt64

    public init(image: String, layer: Digest? = nil, phase: Phase, current: UInt64 = 0, total: UInt64 = 0) {
        self.image = image
        self.layer = layer
        self.phase = phase
        self.current = current
        self.total = total
    }
}
