import Foundation
import Testing

/// The supervisor and the controller reach instances only through `TaskDriver` and the host's
/// files only through AICoreSystem. SwiftPM lets a module import whatever its dependencies
/// import, so the compiler alone would not notice an `import AICoreOS` creeping back in.
struct ModuleBoundaryTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func imports(of module: String) throws -> [String: [String]] {
        let directory = repository.appendingPathComponent("Sources/\(module)")
        let enumerator = try #require(FileManager.default.enumerator(atPath: directory.path))
        var imports: [String: [String]] = [:]
        for case let file as String in enumerator where file.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            imports[file] = text.split(separator: "\n").compactMap { line in
                let words = line.split(separator: " ")
                guard let index = words.firstIndex(of: "import"), index + 1 < words.count else { return nil }
                // `import AICoreOS`, `@testable import AICoreOS`, `import struct AICoreOS.X`
                let target = words[words.count - 1]
                return String(target.split(separator: ".").first ?? target)
            }
        }
        return imports
    }

    @Test(arguments: ["AICoreSupervisor", "AICoreController"])
    func importsNothingOfTheLinuxLayer(module: String) throws {
        let imports = try Self.imports(of: module)
        #expect(imports.count > 10, "the sources of \(module) were not found under \(Self.repository.path)")
        let offending = imports.filter { $0.value.contains("AICoreOS") || $0.value.contains("CAICoreShim") }.keys.sorted()
        #expect(offending.isEmpty, "\(module) imports AICoreOS or the shim in \(offending)")
    }
}
