import AICoreAddresses
import AICoreSystem

/// A range that networks' subnets are cut from (aicore.yml's address pools): `base` split into
/// subnets of prefix `size`.
public struct AddressPool: Sendable, Hashable, CustomStringConvertible {
    public var base: IPv4Network
    public var size: Int

    /// nil when `size` does not cut `base` into subnets (a prefix shorter than the base's, or
    /// longer than /30: a subnet needs a gateway, an instance, and its own two ends).
    public init?(base: IPv4Network, size: Int) {
        guard size >= base.prefix, size <= 30 else { return nil }
        self.base = IPv4Network(address: base.first, prefix: base.prefix)
        self.size = size
    }

    /// 10.220.0.0/16 and 10.221.0.0/16 in /24s: 512 networks, clear of Docker's 172.17-31/16
    /// and 192.168/16 pools, home routers' 192.168.x.0/24, CGNAT and Tailscale's 100.64/10, and
    /// the 10.0-10.8 ranges VPNs hand out. A /24 each, never a /16, so the pools do not run dry
    /// after a few dozen networks (docker/for-linux#599). Any that overlaps a route of the host
    /// is skipped.
    public static let defaults: [AddressPool] = [
        AddressPool(base: IPv4Network(address: IPv4Address(0x0ADC_0000), prefix: 16), size: 24)!,
        AddressPool(base: IPv4Network(address: IPv4Address(0x0ADD_0000), prefix: 16), size: 24)!,
    ]

    public var description: String { "\(base) in /\(size)s" }
}

/// Picks a new network's subnet.
public enum SubnetAllocator {
    /// The first subnet of `pools`, in order, that overlaps nothing in `taken`: the node's other
    /// networks and the host's routes (a subnet already routed elsewhere would black-hole that
    /// traffic). nil when every subnet of every pool is taken.
    public static func next(from pools: [AddressPool], avoiding taken: [IPv4Network]) -> IPv4Network? {
        for pool in pools {
            let step = UInt64(1) << UInt64(32 - pool.size)
            var start = UInt64(pool.base.first.value)
            let end = UInt64(pool.base.last.value)
            while start + step - 1 <= end {
                let candidate = IPv4Network(address: IPv4Address(UInt32(start)), prefix: pool.size)
                if let blocker = taken.first(where: { $0.overlaps(candidate) }) {
                    // Jump past whatever blocks it: a /16 route skips its 256 /24s at once.
                    start = max(start + step, (UInt64(blocker.last.value) + 1 + step - 1) / step * step)
                    continue
                }
                return candidate
            }
        }
        return nil
    }
}
