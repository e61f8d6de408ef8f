import Foundation

/// One file of a service's `env_file`, as written.
struct EnvFileReference {
    enum Format: String {
        /// Compose's `.env` syntax (`EnvFileParser`).
        case dotenv
        /// `KEY=VALUE` lines whose value is taken as written: no quotes, comments or escapes.
        case raw
    }

    var path: String
    /// `required: false`: a missing file is skipped, as Compose does.
    var required = true
    var format = Format.dotenv
    var location: SourceLocation
    var keyPath: String
}

extension ServiceDecoder {
    /// `{path, required, format}`.
    func decodeLongEnvFile(_ node: YAMLNode, _ path: String) -> EnvFileReference? {
        guard let entries = context.entries(node, path, catalog: Self.envFileCatalog) else { return nil }
        var reference = EnvFileReference(path: "", location: node.location, keyPath: path)
        var written: String?
        var valid = true
        for (key, value, keyPath, _) in entries {
            switch key {
            case "path":
                written = context.string(value, keyPath, what: "a path")
                if written == nil { valid = false }
            case "required":
                if let required = context.bool(value, keyPath) { reference.required = required } else { valid = false }
            case "format":
                guard let text = context.string(value, keyPath, what: "`raw`") else {
                    valid = false
                    continue
                }
                guard let format = EnvFileReference.Format(rawValue: text) else {
                    context.error("expected `raw` (or `dotenv`, the default), found \"\(text)\"", at: value.location, path: keyPath)
                    valid = false
                    continue
                }
                reference.format = format
            default:
                break
            }
        }
        guard valid else { return nil }
        guard let written else {
            context.error("an env_file entry needs a `path`", at: node.location, path: path)
            return nil
        }
        reference.path = written
        return reference
    }

    /// The variables one env file sets; a bare `KEY` takes the interpolation environment's value.
    func readEnvFile(_ file: EnvFileReference) -> [String: String] {
        let absolute = PathResolver.resolve(file.path, against: baseDirectory)
        guard let data = FileManager.default.contents(atPath: absolute), let text = String(data: data, encoding: .utf8) else {
            if file.required {
                let reason = FileManager.default.fileExists(atPath: absolute) ? "cannot be read" : "does not exist"
                context.error("env file \(absolute) \(reason)", at: file.location, path: file.keyPath)
            }
            return [:]
        }
        let parsed = file.format == .raw ? EnvFileParser.parseRaw(text) : EnvFileParser.parse(text)
        switch parsed {
        case .success(let entries):
            var result: [String: String] = [:]
            for entry in entries {
                if let value = entry.value ?? variables[entry.key] { result[entry.key] = value }
            }
            return result
        case .failure(let failure):
            context.add(
                .error(failure.message, at: SourceLocation(file: absolute, line: failure.line, column: failure.column), path: file.keyPath))
            return [:]
        }
    }
}
