import AICoreSystem
import CAICoreSystemd

/// systemd's notify protocol (Type=notify): READY=1 once the API is bound and state recovered,
/// WATCHDOG=1 periodically when WatchdogSec is set.
public enum SdNotify {
    /// Returns true if a notification was sent, false when not run under systemd.
    @discardableResult
    public static func notify(_ state: String) throws(SystemError) -> Bool {
        let rc = aic_sd_notify(state)
        if rc < 0 { throw .errno(-rc, "sd_notify \(state)") }
        return rc > 0
    }

    /// The watchdog interval systemd expects pings within, if any.
    public static var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard aic_sd_watchdog_usec(&usec) > 0 else { return nil }
        return .microseconds(Int64(usec))
    }
}
