import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

extension DeviceRule {
    /// Attaches `rules` as the device allowlist of the cgroup v2 directory `path`.
    static func attach(_ rules: [DeviceRule], toCgroup path: String) throws(SystemError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.errno(errno, "open \(path)") }
        defer { close(fd) }
        let shim = rules.map { rule in
            aic_device_rule(type: CChar(rule.kind.rawValue.asciiValue ?? 97), major: rule.major ?? -1, minor: rule.minor ?? -1,
                            access: rule.access.rawValue)
        }
        let rc = shim.withUnsafeBufferPointer { aic_devices_attach(fd, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw SystemError.errno(-rc, "attach the device allowlist (a BPF program) to \(path)") }
    }
}
