import Foundation
import Hummingbird
import Logging
import Testing
import Yams
@testable import AICoreServer

/// docs/api/openapi.yaml is what the agent serves, and it describes exactly the routes the
/// router has.
@Suite struct OpenAPIDocumentTests {
    static let documentPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/api/openapi.yaml").path

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    @Test func theEmbeddedDocumentIsTheFile() throws {
        let file = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        #expect(OpenAPIDocument.yaml == file, "run scripts/gen-openapi.sh")
        #expect(file.hasPrefix("openapi: 3.1"))
    }

    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() throws {
        let node = try #require(try Yams.compose(yaml: OpenAPIDocument.yaml))
        let paths = try #require(node["paths"]?.mapping)
        var documented: Set<String> = []
        for (path, item) in paths {
            for (key, _) in try #require(item.mapping) {
                let key = try #require(key.string)
                guard Self.methods.contains(key) else { continue }
                documented.insert("\(key.uppercased()) \(try #require(path.string))")
            }
        }

        let served = try ControlAPIHarness.withoutAgent { api in
            // The router writes `/v1/stacks/:stack` as OpenAPI does, `/v1/stacks/{stack}`.
            Set(api.router(token: nil).routes.map { "\($0.method.rawValue) \($0.path.description)" })
        }
        #expect(!served.isEmpty)
        #expect(documented.subtracting(served).isEmpty, "documented but not served")
        #expect(served.subtracting(documented).isEmpty, "served but not documented")
    }

    /// Every `$ref` names a component that exists.
    @Test func everyReferenceResolves() throws {
        let node = try #require(try Yams.compose(yaml: OpenAPIDocument.yaml))
        let components = try #require(node["components"])
        var refs: Set<String> = []
        func collect(_ node: Node) {
            switch node {
            case let .mapping(mapping):
                for (key, value) in mapping {
                    if key.string == "$ref", let ref = value.string { refs.insert(ref) } else { collect(value) }
                }
            case let .sequence(sequence):
                sequence.forEach(collect)
            default:
                break
            }
        }
        collect(node)
        #expect(!refs.isEmpty)
        for ref in refs {
            let parts = ref.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(ref)")
            guard parts.count == 4 else { continue }
            #expect(components[parts[2]]?[parts[3]] != nil, "\(ref) resolves to nothing")
        }
    }
}

extension ControlAPIHarness {
    /// A `ControlAPI` over a plane that never starts anything, for looking at its router.
    static func withoutAgent<T>(_ body: (ControlAPI) throws -> T) throws -> T {
        let directory = "/tmp/aicore-openapi-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plane = try LocalNode.controlPlane(configuration: .local(directory), proxy: RecordingProxy(), logger: Logger(label: "aicore.test.api"))
        return try body(ControlAPI(plane: plane, health: AgentHealth(), logger: Logger(label: "aicore.test.api")))
    }
}
