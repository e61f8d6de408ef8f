import Foundation

/// The files in `Sources/AICoreTestSupport/Fixtures` (the token server), copied into this
/// module's bundle, for every test target that starts them.
public enum TestSupportFiles {
    public static func path(_ name: String) -> String {
        let directory = Bundle.module.resourcePath.map { $0 + "/Fixtures" } ?? "Sources/AICoreTestSupport/Fixtures"
        return "\(directory)/\(name)"
    }
}
