
/// A hash of a service's normalized spec that is the same in every process and on every
/// machine: FNV-1a (64 bits) of the service printed as `config print --format json` prints it
/// (sorted maps, canonical durations), with `deploy.replicas` left out: scaling is not a change
/// that replaces instances.
public enum ServiceSpecHash {
    public static func of(_ service: Service) -> String {
        var normalized = service
        normalized.deploy.replicas = 1
        return text(StackPrinter.render(Stack(name: "_", services: [normalized]), format: .json))
    }
}

extension ServiceSpecHash {
    /// FNV-1a (64 bits) of `text`, 16 hex digits.
    public static func text(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
