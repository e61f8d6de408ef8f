/// The files each stack was applied from, for `ls`.
extension ControlPlane {
    /// Remembers the files of a stack's apply (nothing when the client named none).
    public func recordConfigFiles(_ name: String, _ files: [String]) {
        guard !files.isEmpty else { return }
        configFiles[name] = files
    }
}
