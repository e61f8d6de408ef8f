#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn attributes every long-lived child gets.
public enum SpawnAttributes {
    /// The child starts with no signal blocked and every signal at its default, with `flags`
    /// too (e.g. a session of its own): a spawn from a Dispatch worker thread would otherwise
    /// hand down that thread's full signal mask, and a server started that way never sees the
    /// SIGTERM meant to stop it.
    public static func defaultSignals(_ attributes: inout posix_spawnattr_t, flags: Int16 = 0) {
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | flags)
    }
}
