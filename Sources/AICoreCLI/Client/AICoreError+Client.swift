#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

import AICoreErrors

/// Why a request to the agent failed. `description` is one line a user can act on.
///
/// For `.http`, `status` is the HTTP status (kept in `context["status"]`) and `problem` the
/// decoded problem+json body (the cause), when there was one.
extension AICoreError {
    /// The HTTP status of an `.http` answer.
    public var status: Int? { context["status"].flatMap { Int($0) } }

    /// The problem+json body of an `.http` answer that carried one.
    public var problem: AgentProblem? { cause as? AgentProblem }

    /// A client-side failure; the message is kept on one line.
    static func client(_ code: Code, _ message: String, status: Int? = nil, problem: AgentProblem? = nil,
                       cause: (any Error)? = nil) -> AICoreError {
        AICoreError(code: code, message: oneLine(message), cause: problem ?? cause,
                    context: status.map { ["status": String($0)] } ?? [:],
                    details: problem?.errors?.map(\.description) ?? [])
    }

    // MARK: - Constructors for each kind

    static func invalidAddress(_ text: String, _ reason: String) -> AICoreError {
        AICoreError.client(.invalidAddress, "invalid agent address '\(text)': \(reason)")
    }

    static func invalidRequest(_ reason: String) -> AICoreError {
        AICoreError.client(.invalidRequest, reason)
    }

    static func unreachable(_ address: AgentAddress, errno code: Int32?, cause: (any Error)?) -> AICoreError {
        let reason: String
        let hint: String
        if let code {
            reason = String(cString: strerror(code))
            hint = (code == EACCES || code == EPERM)
                ? "do you have permission to use the socket (root, or the socket's group)?"
                : "is `aicore-node agent` running?"
        } else if let cause {
            reason = String(describing: cause)
            hint = "is `aicore-node agent` running?"
        } else {
            reason = "connection failed"
            hint = "is `aicore-node agent` running?"
        }
        return AICoreError.client(.unreachable, "cannot reach the agent at \(address): \(reason); \(hint)", cause: cause)
    }

    static func timeout(_ address: AgentAddress, after duration: Duration) -> AICoreError {
        AICoreError.client(.timeout, "the agent at \(address) did not answer within \(format(duration))")
    }

    static func protocolViolation(_ address: AgentAddress, _ reason: String, cause: (any Error)? = nil) -> AICoreError {
        AICoreError.client(.protocolViolation, "the agent at \(address) \(reason)", cause: cause)
    }

    static let cancelled = AICoreError.client(.cancelled, "the request to the agent was cancelled")

    /// A non-2xx answer: the problem's `detail`, else its `title`, else the status and the first
    /// line of a short text body.
    static func http(status: Int, reason: String, contentType: String?, body: [UInt8]) -> AICoreError {
        let problem = decodeProblem(contentType: contentType, body: body)
        let message: String
        if let line = problem?.detail?.nonBlank ?? problem?.title?.nonBlank {
            message = line
        } else {
            var line = "the agent answered \(status) \(reason)"
            if let text = firstTextLine(contentType: contentType, body: body) {
                line += ": \(text)"
            } else if status == 401 || status == 403 {
                line += "; check AICORE_TOKEN"
            }
            message = line
        }
        return AICoreError.client(.http, message, status: status, problem: problem)
    }

    // MARK: - Helpers

    private static func decodeProblem(contentType: String?, body: [UInt8]) -> AgentProblem? {
        guard !body.isEmpty else { return nil }
        let mediaType = contentType.map(mediaTypeOf) ?? ""
        guard mediaType == "application/problem+json" || mediaType == "application/json" else { return nil }
        return try? JSONDecoder().decode(AgentProblem.self, from: Data(body))
    }

    private static func firstTextLine(contentType: String?, body: [UInt8]) -> String? {
        let mediaType = contentType.map(mediaTypeOf) ?? "text/plain"
        guard mediaType.hasPrefix("text/plain") || mediaType.isEmpty, !body.isEmpty,
            let text = String(validating: body.prefix(4096), as: UTF8.self)
        else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?
            .trimmingCharacters(in: .whitespaces)
        guard let line, !line.isEmpty, line.unicodeScalars.allSatisfy({ !$0.properties.generalCategory.isControl })
        else { return nil }
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }

    static func mediaTypeOf(_ contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return base.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Each line break or control character, with the blanks around it, becomes one space,
    /// so the message stays on one line.
    private static func oneLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var inBreak = false
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory.isControl {
                while result.last == " " || result.last == "\t" { result.removeLast() }
                inBreak = true
            } else if inBreak, scalar == " " {
                continue
            } else {
                if inBreak, !result.isEmpty { result.append(" ") }
                result.append(scalar)
                inBreak = false
            }
        }
        return String(result)
    }

    private static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}

extension Unicode.GeneralCategory {
    fileprivate var isControl: Bool { self == .control || self == .format || self == .lineSeparator || self == .paragraphSeparator }
}

extension String {
    fileprivate var nonBlank: String? {
        trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self
    }
}
