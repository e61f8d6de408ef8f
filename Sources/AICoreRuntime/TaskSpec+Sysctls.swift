import AICoreErrors
import AICoreOS

extension TaskSpec {
    /// `sysctls` as the driver writes them, in name order, each checked again here (a TaskSpec
    /// may come from elsewhere than the stack loader): a name of dotted words that stays under
    /// /proc/sys, held by a namespace the instance has of its own. The IPC namespace always is;
    /// the network namespace only with `network` `.none` or `.bridge`: on the host's network, or
    /// another instance's, the write would change what is not this instance's.
    func checkedSysctls() throws(AICoreError) -> [NamespaceSysctls.Setting] {
        var settings: [NamespaceSysctls.Setting] = []
        for (name, value) in sysctls.sorted(by: { $0.key < $1.key }) {
            let components = name.split(separator: ".", omittingEmptySubsequences: false)
            guard components.count >= 2, components.allSatisfy({ component in
                !component.isEmpty && component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            }) else {
                throw AICoreError(code: .invalidSpec, message: "sysctl \"\(name)\": expected dotted words like net.core.somaxconn")
            }
            guard !value.isEmpty, !value.contains(where: \.isNewline) else {
                throw AICoreError(code: .invalidSpec, message: "sysctl \(name): expected a one-line value, found \"\(value)\"")
            }
            let network: Bool
            if name.hasPrefix("net.") {
                network = true
            } else if name.hasPrefix("fs.mqueue.") || ["kernel.shm", "kernel.msg", "kernel.sem"].contains(where: name.hasPrefix) {
                network = false
            } else {
                throw AICoreError(
                    code: .invalidSpec,
                    message: "sysctl \(name) is not namespaced: setting it would change the host; only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are an instance's own")
            }
            if network {
                switch self.network {
                case .none, .bridge: break
                case .host:
                    throw AICoreError(
                        code: .invalidSpec,
                        message: "sysctl \(name) belongs to the network namespace, and this instance has the host's (network_mode: host): setting it would change the host")
                case let .joining(owner):
                    throw AICoreError(
                        code: .invalidSpec,
                        message: "sysctl \(name) belongs to the network namespace, which this instance shares with \(owner): set it there")
                }
            }
            settings.append(NamespaceSysctls.Setting(name: name, value: value, inNetworkNamespace: network))
        }
        return settings
    }
}
