/// An RFC 9457 problem document (`application/problem+json`), as the agent sends with every
/// non-2xx answer.
public struct AgentProblem: Error, Sendable, Equatable, Codable {
    /// One entry of `errors`, e.g. one invalid field of a stack file.
    ///
    /// Decoded leniently, since entries may be plain strings or objects: `detail` comes from
    /// `detail` or `message`, `pointer` from `pointer`, `path` or `keyPath`, and `location` from
    /// `location` or `file` + `line` + `column`.
    public struct Issue: Sendable, Equatable, Codable, CustomStringConvertible {
        public var detail: String?
        public var pointer: String?
        public var location: String?

        public init(detail: String? = nil, pointer: String? = nil, location: String? = nil) {
            self.detail = detail
            self.pointer = pointer
            self.location = location
        }

        /// `location: pointer: detail`, leaving out what is absent.
        public var description: String {
            [location, pointer, detail].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        }

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                self.init(detail: text)
                return
            }
            let container = try decoder.container(keyedBy: Key.self)
            func string(_ keys: String...) -> String? {
                for key in keys {
                    if let value = try? container.decode(String.self, forKey: Key(key)) { return value }
                    if let value = try? container.decode(Int.self, forKey: Key(key)) { return String(value) }
                }
                return nil
            }
            var location = string("location")
            if location == nil, let file = string("file") {
                location = [file, string("line"), string("column")].compactMap { $0 }.joined(separator: ":")
            }
            self.init(detail: string("detail", "message"), pointer: string("pointer", "path", "keyPath"), location: location)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(detail, forKey: Key("detail"))
            try container.encodeIfPresent(pointer, forKey: Key("pointer"))
            try container.encodeIfPresent(location, forKey: Key("location"))
        }
    }

    public var type: String?
    public var title: String?
    public var status: Int?
    public var detail: String?
    public var errors: [Issue]?

    public init(type: String? = nil, title: String? = nil, status: Int? = nil, detail: String? = nil, errors: [Issue]? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
    }
}
