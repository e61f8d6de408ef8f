import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

extension LinuxTaskDriver {
    /// The spec's `devices`, checked on the host: each source a character or block device node
    /// reached through no symlink (lstat, and the mount resolves it the same way), each target
    /// under /dev. Returns the device cgroup rules that let them open, and the binds.
    static func resolveDevices(_ devices: [TaskSpec.Device]) throws(AICoreError) -> (rules: [DeviceRule], binds: [(source: String, target: String)]) {
        var rules: [DeviceRule] = []
        var binds: [(source: String, target: String)] = []
        for device in devices {
            guard device.target.hasPrefix("/dev/"), !device.target.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
                throw AICoreError(code: .invalidSpec, message: "device \(device.source): the target \(device.target) is not a path under /dev")
            }
            var info = stat()
            guard lstat(device.source, &info) == 0 else {
                throw AICoreError(code: .invalidSpec, message: "device \(device.source): \(String(cString: strerror(errno))) on this host")
            }
            let type = info.st_mode & S_IFMT
            guard type == S_IFCHR || type == S_IFBLK else {
                throw AICoreError(code: .invalidSpec, message: "device \(device.source) is not a device node on this host")
            }
            var access: DeviceRule.Access = []
            for letter in device.permissions {
                switch letter {
                case "r": access.insert(.read)
                case "w": access.insert(.write)
                case "m": access.insert(.mknod)
                default:
                    throw AICoreError(code: .invalidSpec, message: "device \(device.source): permissions are r, w and m, found \"\(device.permissions)\"")
                }
            }
            let dev = UInt64(info.st_rdev)
            // glibc's major()/minor() encoding of dev_t.
            let major = Int64(((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
            let minor = Int64((dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
            rules.append(DeviceRule(type == S_IFCHR ? .char : .block, major, minor, access))
            binds.append((device.source, device.target))
        }
        return (rules, binds)
    }
}
