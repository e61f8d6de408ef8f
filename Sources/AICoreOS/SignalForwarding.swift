import AICoreSystem
import CAICoreShim

/// Forwards the launcher's terminal signals (Ctrl-C and friends) to an instance's init.
public enum SignalForwarding {
    public static func forward(to pidfd: PIDFD) throws(SystemError) {
        let rc = aic_forward_signals(pidfd.fd)
        if rc < 0 { throw .errno(-rc, "install signal forwarding") }
    }
}
