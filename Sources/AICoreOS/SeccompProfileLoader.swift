#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads Docker's seccomp profile JSON.
public enum SeccompProfileLoader {
    public static func decode(_ bytes: [UInt8]) throws -> SeccompProfile {
        try JSONDecoder().decode(SeccompProfile.self, from: Data(bytes))
    }

    public static func encode(_ profile: SeccompProfile) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(profile))
    }
}
