/// `devices`: `HOST[:CONTAINER[:PERMISSIONS]]` or `{source, target, permissions}`.
extension ServiceDecoder {
    static let deviceKeys = KeyCatalog("device", supported: ["source", "target", "permissions"])

    func decodeDevices(_ node: YAMLNode, _ path: String) -> [DeviceMapping] {
        guard let items = node.items else {
            context.expected("a list of devices like /dev/fuse or /dev/fuse:/dev/fuse:rwm", node, path)
            return []
        }
        var devices: [DeviceMapping] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            var source: String?
            var target: String?
            var permissions: String?
            if item.entries != nil {
                for (key, value, keyPath, _) in context.entries(item, itemPath, catalog: Self.deviceKeys) ?? [] {
                    let text = context.string(value, keyPath)
                    switch key {
                    case "source": source = text
                    case "target": target = text
                    default: permissions = text
                    }
                }
                guard source != nil else {
                    context.error("a device needs a `source` (the host's node, e.g. /dev/fuse)", at: item.location, path: itemPath)
                    continue
                }
            } else {
                guard let text = context.string(item, itemPath, what: "a device like /dev/fuse or /dev/fuse:/dev/fuse:rwm") else { continue }
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count <= 3 else {
                    context.error("expected HOST[:CONTAINER[:PERMISSIONS]], found \"\(text)\"", at: item.location, path: itemPath)
                    continue
                }
                source = parts[0]
                target = parts.count > 1 ? parts[1] : nil
                permissions = parts.count > 2 ? parts[2] : nil
            }
            guard let source else { continue }
            let device = DeviceMapping(source: source, target: target ?? source, permissions: permissions ?? "rwm")
            guard Self.isCleanAbsolutePath(device.source) else {
                context.error("expected the host's device node as an absolute path like /dev/fuse, found \"\(device.source)\"",
                              at: item.location, path: itemPath)
                continue
            }
            guard Self.isCleanAbsolutePath(device.target), device.target.hasPrefix("/dev/") else {
                context.error("expected a path under /dev inside the instance, like /dev/fuse, found \"\(device.target)\"",
                              at: item.location, path: itemPath)
                continue
            }
            let letters = Array(device.permissions)
            guard !letters.isEmpty, letters.allSatisfy({ "rwm".contains($0) }), Set(letters).count == letters.count else {
                context.error("expected permissions made of r, w and m (e.g. rwm or r), found \"\(device.permissions)\"",
                              at: item.location, path: itemPath)
                continue
            }
            if devices.contains(where: { $0.target == device.target }) {
                context.error("\(device.target) is already the target of another device", at: item.location, path: itemPath)
                continue
            }
            devices.append(device)
        }
        return devices
    }

    /// Absolute, with no empty, `.` or `..` component.
    static func isCleanAbsolutePath(_ path: String) -> Bool {
        path.hasPrefix("/") && path.count > 1
            && path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }
}
