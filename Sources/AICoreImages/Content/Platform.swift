import AICoreErrors

/// An OS and CPU an image is built for (`linux/amd64`, `linux/arm/v7`), normalised as containerd
/// normalises it, and the order in which an index's manifests are preferred for a wanted platform.
public struct Platform: Hashable, Sendable, Codable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?
    public var osVersion: String?
    public var osFeatures: [String]?

    enum CodingKeys: String, CodingKey {
        case os, architecture, variant
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// `os/arch[/variant]`, as `--platform` takes it.
    public init(parsing text: String) throws(AICoreError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw AICoreError(.badRequest, "invalid platform \"\(text)\": expected os/architecture[/variant], e.g. linux/arm64")
        }
        self = Platform(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil).normalized
    }

    /// This host's platform (the agent only runs on Linux; the architecture is the build's).
    public static var host: Platform {
        #if arch(x86_64)
        Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        Platform(os: "linux", architecture: "arm64", variant: "v8")
        #elseif arch(arm)
        Platform(os: "linux", architecture: "arm", variant: "v7")
        #else
        Platform(os: "linux", architecture: "unknown")
        #endif
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// containerd's normalisation: `x86_64` is `amd64`, `aarch64` is `arm64` (variant `v8`),
    /// `armhf` is `arm/v7`, `armel` is `arm/v6`, a bare `arm` is `arm/v7`.
    public var normalized: Platform {
        var result = self
        result.os = os.lowercased()
        let variant = self.variant?.lowercased()
        switch architecture.lowercased() {
        case "i386": result.architecture = "386"; result.variant = nil
        case "x86_64", "x86-64", "amd64":
            result.architecture = "amd64"
            result.variant = (variant == nil || variant == "v1") ? nil : variant
        case "aarch64", "arm64":
            result.architecture = "arm64"
            result.variant = (variant == nil || variant == "8" || variant == "v8") ? "v8" : variant
        case "armhf": result.architecture = "arm"; result.variant = "v7"
        case "armel": result.architecture = "arm"; result.variant = "v6"
        case "arm":
            result.architecture = "arm"
            switch variant {
            case nil, "7", "v7": result.variant = "v7"
            case let number? where ["5", "6", "8"].contains(number): result.variant = "v" + number
            default: result.variant = variant
            }
        default:
            result.architecture = architecture.lowercased()
            result.variant = variant
        }
        return result
    }

    /// How well `candidate` serves a host of this platform: 0 is an exact match, higher is a
    /// fallback (arm v7 runs v6 and v5 images), nil is no match.
    public func rank(of candidate: Platform) -> Int? {
        let wanted = normalized
        let offered = candidate.normalized
        guard wanted.os == offered.os, wanted.architecture == offered.architecture else { return nil }
        if wanted.variant == offered.variant { return 0 }
        if wanted.architecture == "arm", let want = wanted.variant, let offer = offered.variant {
            // v8 runs v7, v6, v5 (32-bit); v7 runs v6, v5; v6 runs v5.
            let order = ["v8", "v7", "v6", "v5"]
            guard let wantIndex = order.firstIndex(of: want), let offerIndex = order.firstIndex(of: offer), offerIndex > wantIndex else {
                return nil
            }
            return offerIndex - wantIndex
        }
        return nil
    }

    /// The manifest of `index` that best serves this platform, or nil. Entries without a
    /// platform, and attestation manifests (`unknown/unknown`), are never chosen.
    public func best(in manifests: [Descriptor]) -> Descriptor? {
        var best: (rank: Int, descriptor: Descriptor)?
        for descriptor in manifests where MediaType.isManifest(descriptor.mediaType) {
            guard let platform = descriptor.platform, let rank = rank(of: platform) else { continue }
            if let current = best, current.rank <= rank { continue }
            best = (rank, descriptor)
        }
        return best?.descriptor
    }
}
