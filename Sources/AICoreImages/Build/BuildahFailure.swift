import AICoreErrors

/// What went wrong in a failed buildah run, in buildah's own words: the last step it started
/// (`[2/2] STEP 3/4: RUN make`) and its closing `Error: …` line.
enum BuildahFailure {
    static func error(status: Int32, tail: [String]) -> AICoreError {
        let step = tail.last { $0.contains("STEP ") && $0.range(of: #"STEP \d+/\d+: "#, options: .regularExpression) != nil }
        let reason = tail.last { $0.hasPrefix("Error: ") }.map { String($0.dropFirst("Error: ".count)) }
            ?? tail.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            ?? "buildah exited with status \(status)"
        var context: [String: String] = [:]
        if let step { context["step"] = step }
        let message = step.map { "\($0) failed: \(reason)" } ?? reason
        return AICoreError(.buildFailed, message, context: context)
    }
}
