import AICoreSpec

extension CLIFailure {
    /// The agent's answer about a stack, its findings located in the files the stack was
    /// loaded from: what `up` and `config validate` print for a stack the node refuses.
    func located(in loaded: LoadedStack) -> CLIFailure {
        var failure = self
        failure.details = details.map { Self.locate($0, in: loaded) }
        return failure
    }

    /// An agent's finding about a key path (`services.web.ports[0]: …`, a clash with another
    /// stack) located in the files as a loader error is: `FILE:LINE:COLUMN: error: …`.
    static func locate(_ detail: String, in loaded: LoadedStack) -> String {
        guard detail.hasPrefix("services.") || detail.hasPrefix("networks."), let colon = detail.range(of: ": "),
              let location = loaded.locate(String(detail[..<colon.lowerBound])) else { return detail }
        return "\(location): error: \(detail)"
    }
}
