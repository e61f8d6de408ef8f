import AICoreSystem
import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// aicore-init, the program every instance's PID 1 runs: the clone that sets an instance up
/// execs it, so that none of the agent's memory (the API token, the TLS key, other stacks'
/// environments) stays in the instance. It is opened once per process, as a sealed memfd copy:
/// the clone execs it by descriptor (no path inside the instance's root is needed), and an
/// instance that reaches `/proc/1/exe` can change neither the copy nor the host's file.
public enum InitProgram {
    public static let fileName = "aicore-init"

    /// Where it is looked for: beside the running executable (a build directory, or an install
    /// that keeps them together), then `../libexec/aicore-node/` from there (scripts/install.sh).
    public static func candidates(executable: String) -> [String] {
        let directory = executable.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return [directory + "/" + fileName, directory + "/../libexec/aicore-node/" + fileName]
    }

    /// The sealed copy's descriptor (close-on-exec), opened on first use and kept.
    public static func descriptor() throws(SystemError) -> Int32 {
        try opened.get()
    }

    private static let opened: Result<Int32, SystemError> = {
        let executable = (try? FileIO.readLink("/proc/self/exe")) ?? CommandLine.arguments.first ?? ""
        let paths = candidates(executable: executable)
        guard let path = paths.first(where: FileIO.exists) else {
            return .failure(.errno(ENOENT, "find the instance init program (looked for \(paths.joined(separator: " and ")); scripts/install.sh installs it)"))
        }
        let fd = aic_open_sealed_program(path)
        guard fd >= 0 else { return .failure(.errno(-fd, "copy the instance init program \(path)")) }
        return .success(fd)
    }()
}
