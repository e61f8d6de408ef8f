/// `run`'s arguments read without ArgumentParser. A one-shot `run` pays for every millisecond of
/// its own start, and ArgumentParser builds `Run`'s thirty options by reflection before it reads
/// the first one (docs/performance.md, spawn). This reads the forms a script writes:
/// `--long VALUE`, `--long=VALUE`, `-v VALUE` for the short names, the two flags, and the
/// command after `--`. Anything else — `--help`, an unknown or repeated option, a value that
/// looks like an option or does not convert, a missing `--` or command — returns nil, and ArgumentParser
/// reads the line instead, with its errors and help. `RunOptionsScanningTests` holds the two to
/// the same result.
extension RunOptions {
    static func scan(_ arguments: some Collection<String>) -> RunOptions? {
        var options = RunOptions()
        var seen: Set<String> = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                guard !rest.isEmpty else { return nil }  // ArgumentParser's `run` says what is missing
                options.command = Array(rest)
                return options
            }
            guard argument.hasPrefix("-"), argument.count > 1 else { return nil }
            var name = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let key = longName(name) else { return nil }
            if key == "read-only" || key == "keep-state" {
                guard inlineValue == nil, seen.insert(key).inserted else { return nil }
                if key == "read-only" { options.readOnly = true } else { options.keepState = true }
                continue
            }
            let value: String
            if let inlineValue {
                guard !inlineValue.isEmpty else { return nil }  // ArgumentParser: a missing value
                value = inlineValue
            } else {
                guard let next = rest.popFirst() else { return nil }
                value = next
            }
            // ArgumentParser decides whether "-1" or "--x" is a value or an option: let it.
            guard !value.hasPrefix("-") else { return nil }
            guard options.set(key, value, firstTime: seen.insert(key).inserted) else { return nil }
        }
        return nil  // no `--`: ArgumentParser says what is missing
    }

    /// The long name of `-x`/`--xyz` when `run` has that option.
    private static func longName(_ name: String) -> String? {
        switch name {
        case "-u": "user"
        case "-v": "volume"
        case "-e": "env"
        case "-w": "workdir"
        case "-h": "hostname"
        default: name.hasPrefix("--") ? String(name.dropFirst(2)) : nil
        }
    }

    /// Sets option `key` from `value`; false when it does not convert, is not an option of
    /// `run`, or is a single-valued option given twice.
    private mutating func set(_ key: String, _ value: String, firstTime: Bool) -> Bool {
        switch key {
        case "volume": volume.append(value)
        case "tmpfs": tmpfs.append(value)
        case "hide": hide.append(value)
        case "cap-add": capAdd.append(value)
        case "cap-drop": capDrop.append(value)
        case "security-opt": securityOpt.append(value)
        case "env": env.append(value)
        case "env-file": envFile.append(value)
        case "ulimit": ulimit.append(value)
        default:
            guard firstTime else { return false }
            switch key {
            case "name": name = value
            case "memory": memory = value
            case "user": user = value
            case "workdir": workdir = value
            case "hostname": hostname = value
            case "rootfs": rootfs = value
            case "image": image = value
            case "image-store": imageStore = value
            case "network": network = value
            case "log-dir": logDir = value
            case "log-max-size": logMaxSize = value
            case "state-dir": stateDir = value
            case "cgroup-driver": cgroupDriver = value
            case "cpus":
                guard let number = Double(value) else { return false }
                cpus = number
            case "cpu-weight":
                guard let number = UInt64(value) else { return false }
                cpuWeight = number
            case "pids-limit":
                guard let number = Int(value) else { return false }
                pidsLimit = number
            case "oom-score-adj":
                guard let number = Int32(value) else { return false }
                oomScoreAdj = number
            case "log-max-files":
                guard let number = Int(value) else { return false }
                logMaxFiles = number
            default:
                return false
            }
        }
        return true
    }
}
