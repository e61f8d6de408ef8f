#if canImport(Glibc)
import AICoreSystem
import Glibc
#endif

extension BlockIOLimits {
    /// `MAJ:MIN` of the block device at `path` on the host, read with lstat (a symlink is not a
    /// device); anything else is refused, naming the path.
    static func deviceNumber(_ path: String) throws(SystemError) -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .errno(errno, "find the block device \(path)") }
        guard info.st_mode & S_IFMT == S_IFBLK else {
            throw SystemError(code: .invalidArgument, operation: "limit block I/O on \(path)", detail: "\(path) is not a block device on this host")
        }
        let dev = UInt64(info.st_rdev)
        // glibc's major()/minor() encoding of dev_t.
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        return "\(major):\(minor)"
    }

    /// The first of `files` in `dir` that exists: the weight files depend on the I/O scheduler
    /// (CFQ's or BFQ's on v1; io.cost's or BFQ's on v2). A weight with none of them is refused
    /// rather than dropped.
    static func weightFile(in dir: String, _ files: [String]) throws(SystemError) -> String {
        for file in files where CgroupFileIO.exists(CgroupPath.join(dir, file)) { return CgroupPath.join(dir, file) }
        throw SystemError(
            code: .controllerUnavailable, operation: "set the block I/O weight in \(dir)",
            detail: "this kernel has none of \(files.joined(separator: ", ")): a weight needs the BFQ I/O scheduler (or io.cost on cgroup v2)")
    }
}

extension CgroupV1Manager {
    /// The blkio directory (made when missing: a v1 blkio cgroup needs nothing copied) and its
    /// files: `blkio.weight` (or BFQ's `blkio.bfq.weight`), per-device weights and
    /// `blkio.throttle.*_device` lines `MAJ:MIN VALUE`.
    func writeBlockIO(_ blockIO: BlockIOLimits, _ relativePath: String) throws(SystemError) -> String {
        guard let dir = directory("blkio", relativePath) else {
            throw SystemError(
                code: .controllerUnavailable, operation: "create cgroup \(relativePath)",
                detail: "no cgroup v1 hierarchy for the blkio controller is mounted")
        }
        try CgroupFileIO.makeDirectories(dir)
        if let weight = blockIO.weight {
            try CgroupFileIO.write(String(weight), to: BlockIOLimits.weightFile(in: dir, ["blkio.weight", "blkio.bfq.weight"]))
        }
        for device in blockIO.deviceWeights {
            let file = try BlockIOLimits.weightFile(in: dir, ["blkio.weight_device", "blkio.bfq.weight"])
            try CgroupFileIO.write("\(try BlockIOLimits.deviceNumber(device.path)) \(device.value)", to: file)
        }
        for throttle in BlockIOLimits.Throttle.allCases {
            for device in blockIO.throttles[throttle] ?? [] {
                try CgroupFileIO.write("\(try BlockIOLimits.deviceNumber(device.path)) \(device.value)", to: CgroupPath.join(dir, throttle.v1File))
            }
        }
        return dir
    }
}

extension CgroupV2Manager {
    /// `io.weight` (io.cost; or BFQ's `io.bfq.weight`) as `default N` and `MAJ:MIN N`, and one
    /// `io.max` line per device with each of its limits (`MAJ:MIN rbps=N wiops=N`).
    func writeBlockIO(_ blockIO: BlockIOLimits, in dir: String) throws(SystemError) {
        if let weight = blockIO.weight {
            try CgroupFileIO.write("default \(weight)", to: BlockIOLimits.weightFile(in: dir, ["io.weight", "io.bfq.weight"]))
        }
        for device in blockIO.deviceWeights {
            let file = try BlockIOLimits.weightFile(in: dir, ["io.weight", "io.bfq.weight"])
            try CgroupFileIO.write("\(try BlockIOLimits.deviceNumber(device.path)) \(device.value)", to: file)
        }
        var lines: [(device: String, settings: [String])] = []
        for throttle in BlockIOLimits.Throttle.allCases {
            for device in blockIO.throttles[throttle] ?? [] {
                let number = try BlockIOLimits.deviceNumber(device.path)
                let setting = "\(throttle.v2Key)=\(device.value)"
                if let index = lines.firstIndex(where: { $0.device == number }) {
                    lines[index].settings.append(setting)
                } else {
                    lines.append((number, [setting]))
                }
            }
        }
        for line in lines {
            try CgroupFileIO.write("\(line.device) \(line.settings.joined(separator: " "))", to: CgroupPath.join(dir, "io.max"))
        }
    }
}
