import Foundation

/// `logging.options.tag`: Docker's log tag, a Go template of which this node knows the
/// placeholders `{{.Name}}`, `{{.ID}}`, `{{.FullID}}`, `{{.ImageName}}`, `{{.ImageID}}` and
/// `{{.DaemonName}}` (spaces inside the braces allowed). Anything else in braces (a pipeline,
/// a function, another field) is refused when the stack loads, not at the first log line.
public struct LogTag: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case placeholder(Placeholder)
    }

    public enum Placeholder: String, Sendable, Hashable, CaseIterable {
        case name = "Name"
        case id = "ID"
        case fullID = "FullID"
        case imageName = "ImageName"
        case imageID = "ImageID"
        case daemonName = "DaemonName"
    }

    /// What an instance gives the placeholders. Instances have no hexadecimal IDs: `ID` and
    /// `FullID` are the instance's name too, as `CONTAINER_ID` is.
    public struct Values: Sendable {
        public var name: String
        public var imageName: String
        public var imageID: String
        public init(name: String, imageName: String = "", imageID: String = "") {
            self.name = name
            self.imageName = imageName
            self.imageID = imageID
        }
    }

    public var template: String
    public var parts: [Part]

    /// The parsed template, or what is wrong with it (for a located error).
    public static func parse(_ template: String) -> Result<LogTag, ParseFailure> {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(ParseFailure(message: "`{{` without `}}` in tag \"\(template)\""))
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard inner.hasPrefix("."), let placeholder = Placeholder(rawValue: String(inner.dropFirst())) else {
                let known = Placeholder.allCases.map { "{{.\($0.rawValue)}}" }.joined(separator: ", ")
                return .failure(ParseFailure(message: "unknown placeholder `{{\(inner)}}` in tag \"\(template)\"; expected \(known)"))
            }
            parts.append(.placeholder(placeholder))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return .success(LogTag(template: template, parts: parts))
    }

    public struct ParseFailure: Error, Sendable {
        public var message: String
    }

    /// The tag of one instance.
    public func render(_ values: Values) -> String {
        parts.map { part in
            switch part {
            case let .text(text): text
            case .placeholder(.name), .placeholder(.id), .placeholder(.fullID): values.name
            case .placeholder(.imageName): values.imageName
            case .placeholder(.imageID): values.imageID
            case .placeholder(.daemonName): "aicore-node"
            }
        }.joined()
    }

    /// Docker's default tag, `{{.ID}}`: the instance's name here.
    public static let defaultTemplate = "{{.ID}}"
}
