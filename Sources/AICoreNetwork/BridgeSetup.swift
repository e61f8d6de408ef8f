import AICoreAddresses
import AICoreErrors
import AICoreSystem

#if canImport(Glibc)
import Glibc
#endif

/// Makes and removes a network's bridge, in the calling thread's network namespace.
public enum BridgeSetup {
    /// The bridge of `network`, made when missing: its pinned MAC, `mtu` (the default route's,
    /// so traffic over a smaller uplink such as WireGuard is not black-holed), the gateway
    /// address (and the IPv6 one of an IPv6 network; the bridge of any other has IPv6 off), up.
    /// An existing bridge (an agent restart re-adopting its networks) is left as it
    /// is, given its address if it lacks it, and brought up.
    public static func ensure(_ network: NetworkAllocations.Network, mtu: Int?) throws(AICoreError) {
        if try Netlink.linkIndex(network.bridge) == nil {
            try Netlink.addBridge(network.bridge, mac: NetworkAllocations.bridgeMAC(gateway: network.gateway), mtu: mtu)
        }
        // Also on a bridge that exists: an agent killed between the two left it without one.
        do {
            try Netlink.addAddress(network.gateway, prefix: network.subnet.prefix, to: network.bridge)
        } catch where error.context["errno"] == "\(EEXIST)" {}
        if let subnet6 = network.subnet6, let gateway6 = network.gateway6 {
            try Sysctl.disableDAD(on: network.bridge)
            try Sysctl.enableIPv6(on: network.bridge)
            do {
                try Netlink.addAddress(gateway6, prefix: subnet6.prefix, to: network.bridge)
            } catch where error.context["errno"] == "\(EEXIST)" {}
        } else {
            try Sysctl.disableIPv6(on: network.bridge)
        }
        try Netlink.setLink(network.bridge, up: true)
    }

    /// A service's VIP on the bridge (host side, /32): the proxy listens there, and instances
    /// reach it over the bridge. Already there is fine.
    public static func addServiceAddress(_ address: IPv4Address, on network: NetworkAllocations.Network) throws(AICoreError) {
        do {
            try Netlink.addAddress(address, prefix: 32, to: network.bridge)
        } catch where error.context["errno"] == "\(EEXIST)" {}
    }

    public static func removeServiceAddress(_ address: IPv4Address, on network: NetworkAllocations.Network) throws(AICoreError) {
        try Netlink.removeAddress(address, prefix: 32, from: network.bridge)
    }

    /// Deletes the bridge (its address and routes go with it); nothing there is fine.
    public static func remove(_ network: NetworkAllocations.Network) throws(AICoreError) {
        try Netlink.deleteLink(network.bridge)
    }
}
