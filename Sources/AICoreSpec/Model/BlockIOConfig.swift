/// `blkio_config`: a relative block I/O weight, per-device weights and per-device throttles.
public struct BlockIOConfig: Sendable, Hashable {
    /// A host block device (`/dev/sda`) and a number: a weight, bytes or operations per second.
    public struct DeviceValue: Sendable, Hashable {
        public var path: String
        public var value: UInt64
        public init(path: String, value: UInt64) {
            self.path = path
            self.value = value
        }
    }

    /// 10...1000.
    public var weight: Int?
    public var weightDevice: [DeviceValue] = []
    public var deviceReadBps: [DeviceValue] = []
    public var deviceWriteBps: [DeviceValue] = []
    public var deviceReadIops: [DeviceValue] = []
    public var deviceWriteIops: [DeviceValue] = []

    public init() {}
}
