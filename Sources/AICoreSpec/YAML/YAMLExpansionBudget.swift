import CYaml

/// How large a YAML document may grow once its aliases are expanded, checked on libyaml's
/// events before anything is built (the "billion laughs": nine levels of ten aliases each are
/// 10⁹ nodes from 500 bytes, minutes and gigabytes to expand).
///
/// Every anchored node's expanded size is known when it ends, so an alias adds that size
/// without being walked, and the scan stops at the first event past a budget: linear in the
/// text, whatever the aliases would make of it. The whole document counts: every scalar,
/// list and mapping, and each alias as the nodes it stands for.
public struct YAMLExpansionBudget: Sendable, Equatable {
    /// Nodes of the expanded document. A large real stack has a few thousand; a 1 MiB file
    /// without aliases has at most about 500,000.
    public var maxNodes: Int
    /// Alias uses (`*name`). Real stacks use a few dozen.
    public var maxAliases: Int

    public init(maxNodes: Int = 1_000_000, maxAliases: Int = 10_000) {
        self.maxNodes = maxNodes
        self.maxAliases = maxAliases
    }

    public static let standard = YAMLExpansionBudget()

    /// What a budget refused, and where.
    public struct Excess: Sendable, Equatable {
        /// 1-based, as `SourceLocation`.
        public var line: Int
        public var column: Int
        public var message: String
    }

    /// The first place where `text` goes past the budget, or nil when it stays within it (or
    /// libyaml cannot parse it: the parser that follows reports that, located).
    public func check(_ text: String) -> Excess? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else { return nil }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            return scan(parser)
        }
    }

    private struct Frame {
        var anchor: String?
        var nodes: Int
    }

    private func scan(_ parser: UnsafeMutablePointer<yaml_parser_t>) -> Excess? {
        var anchorSizes: [String: Int] = [:]
        var frames: [Frame] = []
        var total = 0
        var aliases = 0
        var event = yaml_event_t()
        func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        }
        /// Adds `count` nodes to the document and to every open collection (capped: past the
        /// budget the exact number no longer matters).
        func add(_ count: Int) {
            total = min(total + count, maxNodes + 1)
            if !frames.isEmpty { frames[frames.count - 1].nodes = min(frames[frames.count - 1].nodes + count, maxNodes + 1) }
        }
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                add(1)
                if let anchor = anchorName(event.data.scalar.anchor) { anchorSizes[anchor] = 1 }
            case YAML_SEQUENCE_START_EVENT:
                add(1)
                frames.append(Frame(anchor: anchorName(event.data.sequence_start.anchor), nodes: 1))
            case YAML_MAPPING_START_EVENT:
                add(1)
                frames.append(Frame(anchor: anchorName(event.data.mapping_start.anchor), nodes: 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = frames.popLast() else { continue }
                if let anchor = frame.anchor { anchorSizes[anchor] = frame.nodes }
                // The collection's nodes are in `total` already; its parent holds them too.
                if !frames.isEmpty {
                    frames[frames.count - 1].nodes = min(frames[frames.count - 1].nodes + frame.nodes - 1, maxNodes + 1)
                }
                continue
            case YAML_ALIAS_EVENT:
                aliases += 1
                if aliases > maxAliases {
                    return Excess(line: line, column: column,
                                  message: "more than \(maxAliases) aliases (*name): that is the limit for a stack file")
                }
                add(anchorName(event.data.alias.anchor).flatMap { anchorSizes[$0] } ?? 1)
            default:
                continue
            }
            if total > maxNodes {
                return Excess(line: line, column: column,
                              message: "the document expands to more than \(maxNodes) nodes here (aliases count as the nodes they repeat): that is the limit for a stack file")
            }
        }
    }
}
