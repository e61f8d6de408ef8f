/// One `extra_hosts` entry: a line added to the instance's /etc/hosts.
public struct ExtraHost: Sendable, Hashable {
    public var hostname: String
    public var address: String

    public init(hostname: String, address: String) {
        self.hostname = hostname
        self.address = address
    }
}
