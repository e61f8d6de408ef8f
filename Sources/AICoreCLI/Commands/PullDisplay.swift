import AICoreImages
import Foundation

/// What a pull shows as it goes. On a terminal, one line per layer, redrawn in place with a bar
/// while it downloads (`docker pull`'s look); otherwise one line each time a layer's phase
/// changes, so that a log or a CI transcript reads top to bottom.
struct PullDisplay {
    let isTerminal: Bool
    private var order: [String] = []
    private var lines: [String: String] = [:]
    private var phases: [String: PullProgress.Phase] = [:]
    /// How many lines the last redraw wrote, to move back over them.
    private var drawn = 0

    init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    mutating func show(_ progress: PullProgress) {
        guard let layer = progress.layer else { return }
        let key = layer.short
        if lines[key] == nil { order.append(key) }
        let changed = phases[key] != progress.phase
        phases[key] = progress.phase
        lines[key] = Self.line(key, progress, bar: isTerminal)
        if isTerminal {
            redraw()
        } else if changed {
            print(lines[key] ?? "")
        }
    }

    /// The layers' lines: `3f4a…: downloading [=====>    ] 12.1MB/40MB` on a terminal, without
    /// the bar otherwise.
    static func line(_ key: String, _ progress: PullProgress, bar: Bool) -> String {
        let size = progress.total > 0 ? humanSize(progress.total) : ""
        switch progress.phase {
        case .downloading where bar && progress.total > 0:
            let width = 30
            let filled = Int(Double(width) * Double(min(progress.current, progress.total)) / Double(progress.total))
            let arrow = filled < width ? ">" : ""
            let rest = String(repeating: " ", count: max(0, width - filled - arrow.count))
            return "\(key): downloading [\(String(repeating: "=", count: filled))\(arrow)\(rest)] \(humanSize(progress.current))/\(size)"
        case .exists:
            return "\(key): already exists"
        case .done:
            return "\(key): pull complete"
        default:
            return size.isEmpty ? "\(key): \(progress.phase.rawValue)" : "\(key): \(progress.phase.rawValue) (\(size))"
        }
    }

    static func humanSize(_ bytes: UInt64) -> String { VolumeCommand.Prune.humanSize(bytes) }

    private mutating func redraw() {
        var text = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        for key in order {
            text += "\r\u{1B}[2K" + (lines[key] ?? "") + "\n"
        }
        drawn = order.count
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
