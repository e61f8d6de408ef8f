/// One resource limit (`ulimits.nofile: {soft: 1024, hard: 4096}`).
public struct Ulimit: Sendable, Hashable {
    public var soft: Int
    public var hard: Int

    public init(soft: Int, hard: Int) {
        self.soft = soft
        self.hard = hard
    }

    /// The names `setrlimit` knows, as Docker spells them.
    public static let names: Set<String> = [
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
        "rtprio", "rttime", "sigpending", "stack", "as",
    ]
}
