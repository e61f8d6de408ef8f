/// `platform` names the image a service runs: one node runs only its own kind of binary.
extension ServiceDecoder {
    /// This node's architecture as OCI names it: the agent's own build is the node's.
    static var nodeArchitecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #elseif arch(arm)
        "arm"
        #elseif arch(i386)
        "386"
        #elseif arch(powerpc64le)
        "ppc64le"
        #elseif arch(s390x)
        "s390x"
        #elseif arch(riscv64)
        "riscv64"
        #else
        "unknown"
        #endif
    }

    /// The OCI name of an architecture written the way `uname -m` or Docker users write it.
    static func ociArchitecture(_ name: String) -> String {
        switch name.lowercased() {
        case "x86_64", "x86-64", "amd64": "amd64"
        case "aarch64", "arm64": "arm64"
        case "i386", "i686", "386": "386"
        default: name.lowercased()
        }
    }

    /// A platform that is not `linux/<this node's architecture>`: its image cannot run here, so
    /// it is refused when the stack starts (an unsupported key: a warning for `config validate`,
    /// which may run elsewhere, and an error under --strict).
    func checkPlatform(_ platform: String, at location: SourceLocation, path: String) {
        let parts = platform.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return }
        let node = "linux/\(Self.nodeArchitecture)"
        if parts[0].lowercased() != "linux" || Self.ociArchitecture(parts[1]) != Self.nodeArchitecture {
            context.warning(
                .unsupported,
                "`platform: \(platform)` is not this node's (\(node)): its image cannot run here, and there is no emulation",
                at: location, path: path)
        }
    }
}

extension ServiceDecoder {
    /// What a `security_opt` of another confinement system would have done, and that it does
    /// not happen here: the instance is confined by its namespaces, capabilities, seccomp and
    /// no_new_privs whatever these say.
    static func confinementNotApplied(_ name: String, written: String) -> String {
        switch name {
        case "label":
            return "`\(written)` is not applied: instances get no SELinux label (their processes and files keep the agent's context); they are confined by namespaces, capabilities, seccomp and no_new_privs"
        case "apparmor":
            return "`\(written)` is not applied: no AppArmor profile is loaded for instances (they run unconfined by AppArmor); they are confined by namespaces, capabilities, seccomp and no_new_privs"
        default:
            return "`\(written)` is not applied: /proc and /sys keep Docker's masked and read-only paths"
        }
    }
}

extension ServiceDecoder {
    /// `privileged: true` takes away every confinement but the namespaces: refused (an
    /// unsupported key, an error when the stack starts) unless the agent allows it.
    /// The service says `privileged: true` (its own errors are reported where it is decoded).
    func isPrivileged(_ service: YAMLNode) -> Bool {
        ["true", "True", "TRUE"].contains(service["privileged"]?.scalar?.text ?? "")
    }

    func decodePrivileged(_ node: YAMLNode, _ path: String, _ keyLocation: SourceLocation) -> Bool {
        guard context.bool(node, path) == true else { return false }
        if !context.allowsPrivileged {
            context.warning(
                .unsupported,
                "`privileged: true` is refused: it gives the instance every capability, no seccomp filter, every device and unmasked /proc and /sys, and this agent does not allow that (`security: {allow_privileged: true}` in /etc/aicore/aicore.yml does)",
                at: keyLocation, path: path)
        }
        return true
    }
}
