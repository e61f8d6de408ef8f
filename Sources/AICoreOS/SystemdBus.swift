import AICoreSystem
import CAICoreSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The systemd manager over D-Bus (sd-bus, in CAICoreSystemd): transient units, stop, reset.
///
/// Every call opens a connection of its own and blocks until systemd answered and, for a job,
/// until the job finished (bounded): call it from a thread of its own, never from an actor or
/// an event loop. Failures are `SystemError`s with the errno (`ENOENT`: no such unit, `EEXIST`:
/// a unit of that name is loaded, `ETIMEDOUT`, `EIO`: the job failed) and systemd's words.
public enum SystemdBus {
    /// How long a start or stop job may take.
    public static let jobTimeout: Duration = .seconds(30)

    /// Whether PID 1 is systemd (`/run/systemd/system` exists: sd_booted).
    public static var isBooted: Bool { aic_sd_booted() > 0 }

    /// The manager's version ("252.39-1~deb12u2"): the bus answers and systemd is on it.
    public static func managerVersion() throws(SystemError) -> String {
        var version = [CChar](repeating: 0, count: 128)
        var error = [CChar](repeating: 0, count: 512)
        let rc = aic_sd_manager_version(&version, version.count, &error, error.count)
        guard rc == 0 else { throw failure(rc, "ask systemd for its version", error) }
        return String(decoding: version.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `StartTransientUnit(name, "fail", properties)` and waits for its job to be done.
    public static func startTransientUnit(_ name: String, properties: [SystemdUnitProperty],
                                          timeout: Duration = jobTimeout) throws(SystemError) {
        var error = [CChar](repeating: 0, count: 512)
        let arena = CArena()
        let c = properties.map { property -> aic_sd_property in
            var p = aic_sd_property()
            p.name = UnsafePointer(arena.string(property.name))
            switch property {
            case .string(_, let value):
                p.type = Int32(AIC_SD_PROPERTY_STRING.rawValue)
                p.string = UnsafePointer(arena.string(value))
            case .bool(_, let value):
                p.type = Int32(AIC_SD_PROPERTY_BOOL.rawValue)
                p.number = value ? 1 : 0
            case .uint64(_, let value):
                p.type = Int32(AIC_SD_PROPERTY_UINT64.rawValue)
                p.number = value
            case .pids(_, let pids):
                // The C side takes the one pid an instance scope is made around.
                p.type = Int32(AIC_SD_PROPERTY_PIDS.rawValue)
                p.number = UInt64(pids.first ?? 0)
            case .bytes(_, let bytes):
                p.type = Int32(AIC_SD_PROPERTY_BYTES.rawValue)
                p.bytes = UnsafePointer(arena.array(bytes.isEmpty ? [0] : bytes))
                p.count = bytes.count
            case .pathValues(_, let pairs):
                p.type = Int32(AIC_SD_PROPERTY_PATH_VALUES.rawValue)
                p.paths = UnsafePointer(arena.array(pairs.map { Optional(UnsafePointer(arena.string($0.path))) }))
                p.values = UnsafePointer(arena.array(pairs.isEmpty ? [0] : pairs.map(\.value)))
                p.count = pairs.count
            }
            return p
        }
        // The arena owns the strings the C properties point to: it must outlive the call.
        let rc = withExtendedLifetime(arena) {
            c.withUnsafeBufferPointer { buffer in
                aic_sd_start_transient_unit(name, buffer.baseAddress, buffer.count, microseconds(timeout), &error, error.count)
            }
        }
        guard rc == 0 else { throw failure(rc, "start transient unit \(name)", error) }
    }

    /// `StopUnit(name, "replace")` and waits for its job.
    public static func stopUnit(_ name: String, timeout: Duration = jobTimeout) throws(SystemError) {
        var error = [CChar](repeating: 0, count: 512)
        let rc = aic_sd_stop_unit(name, microseconds(timeout), &error, error.count)
        guard rc == 0 else { throw failure(rc, "stop unit \(name)", error) }
    }

    /// `ResetFailedUnit(name)`.
    public static func resetFailedUnit(_ name: String) throws(SystemError) {
        var error = [CChar](repeating: 0, count: 512)
        let rc = aic_sd_reset_failed_unit(name, &error, error.count)
        guard rc == 0 else { throw failure(rc, "reset failed unit \(name)", error) }
    }

    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000_000)
    }

    static func failure(_ rc: Int32, _ operation: String, _ error: [CChar]) -> SystemError {
        let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return SystemError(code: .systemCall, errno: -rc, operation: operation, detail: text.isEmpty ? nil : text)
    }
}
