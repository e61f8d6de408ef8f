import AICoreErrors

/// The files each stack was applied from, for `ls`: kept in the Store with the stack, so an
/// agent restart does not lose them.
extension ControlPlane {
    /// Remembers the files of a stack's apply (nothing when the client named none). The apply
    /// has happened by now: a failure here is logged, not the apply's.
    public func recordConfigFiles(_ name: String, _ files: [String]) async {
        guard !files.isEmpty else { return }
        do {
            try await store.saveConfigFiles(stack: name, files: files)
        } catch {
            logger.warning("cannot record the config files of stack \(name): \(error)")
        }
    }
}
