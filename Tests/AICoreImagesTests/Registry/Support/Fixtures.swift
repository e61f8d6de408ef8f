import Foundation

/// The files in `Tests/AICoreImagesTests/Fixtures`, copied into the test bundle.
enum Fixtures {
    static func path(_ name: String) -> String {
        let directory = Bundle.module.resourcePath.map { $0 + "/Fixtures" } ?? "Tests/AICoreImagesTests/Fixtures"
        return "\(directory)/\(name)"
    }
}
