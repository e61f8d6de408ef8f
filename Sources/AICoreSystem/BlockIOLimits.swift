/// An instance's block I/O settings (`blkio_config`): a relative weight, per-device weights,
/// and per-device throttles. Devices are named by host path; the cgroup manager finds their
/// numbers when it writes them (they must be block devices on the host).
public struct BlockIOLimits: Sendable, Equatable {
    public enum Throttle: String, Sendable, Equatable, CaseIterable {
        case readBPS, writeBPS, readIOPS, writeIOPS

        /// The v1 file (`blkio.throttle.read_bps_device`, …).
        public var v1File: String {
            switch self {
            case .readBPS: "blkio.throttle.read_bps_device"
            case .writeBPS: "blkio.throttle.write_bps_device"
            case .readIOPS: "blkio.throttle.read_iops_device"
            case .writeIOPS: "blkio.throttle.write_iops_device"
            }
        }

        /// The v2 `io.max` key (`rbps`, `wbps`, `riops`, `wiops`).
        public var v2Key: String {
            switch self {
            case .readBPS: "rbps"
            case .writeBPS: "wbps"
            case .readIOPS: "riops"
            case .writeIOPS: "wiops"
            }
        }
    }

    public struct DeviceValue: Sendable, Equatable {
        public var path: String
        public var value: UInt64
        public init(path: String, value: UInt64) {
            self.path = path
            self.value = value
        }
    }

    /// 10...1000 (Compose's range): v1 `blkio.weight`, v2 `io.weight` `default N`.
    public var weight: UInt64?
    public var deviceWeights: [DeviceValue] = []
    public var throttles: [Throttle: [DeviceValue]] = [:]

    public init(weight: UInt64? = nil, deviceWeights: [DeviceValue] = [], throttles: [Throttle: [DeviceValue]] = [:]) {
        self.weight = weight
        self.deviceWeights = deviceWeights
        self.throttles = throttles
    }
}
