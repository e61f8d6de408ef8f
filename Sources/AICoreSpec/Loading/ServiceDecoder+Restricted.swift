/// `x-aicore.security: restricted`: the service meets Kubernetes' Pod Security Standards
/// "restricted" — it runs as a non-root user, drops every capability (only NET_BIND_SERVICE may
/// be added back), keeps seccomp and no_new_privs on, and stays off the host network (its own
/// network namespace, `network_mode: none`, on no bridge network). What the file
/// says against that is an error at the key that says it; what it leaves unsaid is filled in.
extension ServiceDecoder {
    func applyRestrictedProfile(_ service: inout Service, path: String, written: WrittenKeys) {
        let profile = "`x-aicore.security: restricted`"
        let profilePath = DecodeContext.join(DecodeContext.join(path, "x-aicore"), "security")
        if let user = service.user {
            let name = String(user.split(separator: ":", maxSplits: 1).first ?? "")
            if name == "root" || Int(name) == 0 {
                let userPath = DecodeContext.join(path, "user")
                context.add(.error("\(profile) runs as a non-root user, not `\(user)`; e.g. `user: \"1000:1000\"`",
                                   at: context.locate(userPath), path: userPath))
            }
        } else {
            context.add(.error("\(profile) runs as a non-root user: set `user:`, e.g. `user: \"1000:1000\"`",
                               at: context.locate(profilePath), path: profilePath))
        }
        for (offset, capability) in service.capAdd.enumerated() {
            let name = capability.uppercased().hasPrefix("CAP_") ? capability.uppercased() : "CAP_" + capability.uppercased()
            guard name != "CAP_NET_BIND_SERVICE" else { continue }
            let itemPath = DecodeContext.index(DecodeContext.join(path, "cap_add"), offset)
            context.add(.error("\(profile) drops every capability and lets only NET_BIND_SERVICE be added, not `\(capability)`",
                               at: context.locate(itemPath), path: itemPath))
        }
        service.capDrop = ["ALL"]
        let securityPath = DecodeContext.join(path, "security_opt")
        if service.security.seccomp == .unconfined {
            context.add(.error("\(profile) keeps seccomp on: remove `seccomp=unconfined`", at: context.locate(securityPath), path: securityPath))
        }
        if !service.security.noNewPrivileges {
            context.add(.error("\(profile) keeps no_new_privs on: remove `no-new-privileges:false`",
                               at: context.locate(securityPath), path: securityPath))
        }
        // Off every network but lo, exactly as before bridge networks existed: no bridge, no
        // other service's namespace.
        let networkModePath = DecodeContext.join(path, "network_mode")
        if let location = written.networkMode, let mode = service.networkMode, mode != NetworkMode.none {
            let place = mode == .host ? "the host network" : "`network_mode: \(mode.composeText)`"
            context.add(.error("\(profile) keeps the service off \(place): write `network_mode: none` (a network of its own with only lo)",
                               at: location, path: networkModePath))
        } else if let location = written.networks {
            context.add(.error("\(profile) keeps the service off every network: remove `networks` (the service gets a network of its own with only lo)",
                               at: location, path: DecodeContext.join(path, "networks")))
        }
        service.networkMode = NetworkMode.none
    }
}
