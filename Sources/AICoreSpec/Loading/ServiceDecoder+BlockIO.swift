/// `blkio_config: {weight, weight_device, device_read_bps, device_write_bps, device_read_iops,
/// device_write_iops}`, each device entry `{path, weight}` or `{path, rate}`.
extension ServiceDecoder {
    static let blockIOKeys = KeyCatalog(
        "blkio_config",
        supported: ["weight", "weight_device", "device_read_bps", "device_write_bps", "device_read_iops", "device_write_iops"])
    static let weightDeviceKeys = KeyCatalog("weight_device", supported: ["path", "weight"])
    static let throttleDeviceKeys = KeyCatalog("throttle device", supported: ["path", "rate"])

    func decodeBlockIO(_ node: YAMLNode, _ path: String) -> BlockIOConfig? {
        guard let entries = context.entries(node, path, catalog: Self.blockIOKeys) else { return nil }
        var config = BlockIOConfig()
        for (key, value, keyPath, _) in entries {
            switch key {
            case "weight":
                config.weight = context.int(value, keyPath, range: 10...1000)
            case "weight_device":
                config.weightDevice = decodeDeviceValues(value, keyPath, valueKey: "weight")
            case "device_read_bps": config.deviceReadBps = decodeDeviceValues(value, keyPath, valueKey: "rate", bytes: true)
            case "device_write_bps": config.deviceWriteBps = decodeDeviceValues(value, keyPath, valueKey: "rate", bytes: true)
            case "device_read_iops": config.deviceReadIops = decodeDeviceValues(value, keyPath, valueKey: "rate")
            case "device_write_iops": config.deviceWriteIops = decodeDeviceValues(value, keyPath, valueKey: "rate")
            default: break
            }
        }
        return config
    }

    /// A list of `{path, weight|rate}`: an absolute host path, and a weight (10...1000), a
    /// byte rate (`12mb`, or bytes) or a number of operations per second (at least 1).
    private func decodeDeviceValues(_ node: YAMLNode, _ path: String, valueKey: String, bytes: Bool = false) -> [BlockIOConfig.DeviceValue] {
        guard let items = node.items else {
            context.expected("a list of {path, \(valueKey)}", node, path)
            return []
        }
        var result: [BlockIOConfig.DeviceValue] = []
        for (offset, item) in items.enumerated() {
            let itemPath = DecodeContext.index(path, offset)
            let catalog = valueKey == "weight" ? Self.weightDeviceKeys : Self.throttleDeviceKeys
            var device: String?
            var number: UInt64?
            for (key, value, keyPath, _) in context.entries(item, itemPath, catalog: catalog) ?? [] {
                if key == "path" {
                    guard let text = context.string(value, keyPath) else { continue }
                    guard Self.isCleanAbsolutePath(text) else {
                        context.error("expected the host's block device as an absolute path like /dev/sda, found \"\(text)\"",
                                      at: value.location, path: keyPath)
                        continue
                    }
                    device = text
                } else if valueKey == "weight" {
                    number = context.int(value, keyPath, range: 10...1000).map { UInt64($0) }
                } else if bytes {
                    guard let size = context.byteSize(value, keyPath) else { continue }
                    guard size.bytes > 0 else {
                        context.error("expected a rate greater than zero, found \(value.foundDescription)", at: value.location, path: keyPath)
                        continue
                    }
                    number = size.bytes
                } else {
                    number = context.int(value, keyPath, range: 1...Int.max).map { UInt64($0) }
                }
            }
            guard let device, let number else {
                // A value that was there but wrong has its own error already.
                if item.entries != nil && (item["path"] == nil || item[valueKey] == nil) {
                    context.error("a device entry needs `path` and `\(valueKey)`", at: item.location, path: itemPath)
                }
                continue
            }
            result.append(BlockIOConfig.DeviceValue(path: device, value: number))
        }
        return result
    }
}
