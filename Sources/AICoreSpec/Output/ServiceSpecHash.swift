
/// A hash of a service's normalized spec that is the same in every process and on every
/// machine: FNV-1a (64 bits) of the service printed as `config print --format json` prints it
/// (sorted maps, canonical durations), with `deploy.replicas` left out: scaling is not a change
/// that replaces instances. The definitions of the secrets and configs it uses count too (a
/// config's new `content`, a secret's new file path), as Compose recreates a container whose
/// config changed; a secret's value is never part of it (it is read at start, never stored).
public enum ServiceSpecHash {
    public static func of(_ service: Service) -> String {
        var normalized = service
        normalized.deploy.replicas = 1
        func definitions(_ references: [FileReference]) -> [FileObjectDefinition] {
            references.compactMap { reference in
                reference.definition.map { FileObjectDefinition(key: reference.source, name: reference.source, source: $0) }
            }
        }
        let stack = Stack(name: "_", services: [normalized], secrets: definitions(service.secrets), configs: definitions(service.configs))
        return text(StackPrinter.render(stack, format: .json))
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
