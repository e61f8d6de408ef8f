import AICoreSystem
import CAICoreShim
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A helper process the agent starts and then leaves alone: it runs in a session of its own
/// (a signal to the agent's process group, or the agent's death, does not reach it), with stdin
/// from /dev/null, stdout and stderr appended to a log file, no descriptor of the agent's but
/// those, no signal blocked and every signal at its default.
public enum DetachedProcess {
    /// Starts `executable` and returns its pid. A thread of its own reaps it when it exits while
    /// this process lives (a zombie would still look alive to `kill(pid, 0)`).
    public static func spawn(_ executable: String, _ arguments: [String], log: String) throws(SystemError) -> pid_t {
        let logDescriptor = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard logDescriptor >= 0 else { throw SystemError.last("open \(log)") }
        defer { close(logDescriptor) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, logDescriptor, 2)
        SpawnFileActions.closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        SpawnAttributes.defaultSignals(&attributes, flags: aic_spawn_flag_setsid())
        let command = [executable] + arguments
        let argv = command.map { strdup($0) }
        // systemd's notify socket and watchdog are the agent's: a helper must not speak for it.
        let env = ProcessInfo.processInfo.environment
            .filter { !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"].contains($0.key) }
            .map { strdup("\($0.key)=\($0.value)") }
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var argvList = argv + [nil]
        var envList = env + [nil]
        var pid: pid_t = 0
        let result = argvList.withUnsafeMutableBufferPointer { argvBuffer in
            envList.withUnsafeMutableBufferPointer { envBuffer in
                guard let argvPointer = argvBuffer.baseAddress, let envPointer = envBuffer.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, &attributes, argvPointer, envPointer)
            }
        }
        guard result == 0 else { throw SystemError.errno(result, "posix_spawn \(executable)") }
        let child = pid
        _ = DetachedThread.start {
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        return pid
    }

    /// Whether `pid` runs (exists and is not a zombie) and its command line starts with
    /// `executable` and holds `argument`: a pid file can outlive its process, and the number be
    /// reused.
    public static func isRunning(_ pid: pid_t, executable: String, argument: String) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? FileIO.readString("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: ")"),
              stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z",
              let cmdline = try? FileIO.readString("/proc/\(pid)/cmdline") else { return false }
        let parts = cmdline.split(separator: "\0").map(String.init)
        return parts.contains(argument) && (parts.first == executable || readlink("/proc/\(pid)/exe") == executable)
    }

    /// The processes running now whose command line holds each of `arguments` in that order,
    /// one after the other (e.g. `--control`, `PATH`).
    public static func find(_ arguments: [String]) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard let cmdline = try? FileIO.readString("/proc/\(pid)/cmdline") else { return false }
            let parts = cmdline.split(separator: "\0").map(String.init)
            guard parts.count >= arguments.count else { return false }
            return (0...(parts.count - arguments.count)).contains { Array(parts[$0..<($0 + arguments.count)]) == arguments }
        }.filter(isLive)
    }

    /// Exists and is not a zombie.
    private static func isLive(_ pid: pid_t) -> Bool {
        guard let stat = try? FileIO.readString("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }

    private static func readlink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = Glibc.readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
