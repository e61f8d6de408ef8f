import AICoreOS
import AICoreSystem
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import AICoreServer

/// A `ProxyControl` that only records what the control plane asked of it (the real proxy has
/// its own tests).
final class RecordingProxy: ProxyControl {
    enum Call: Sendable, Equatable {
        case apply([String])
        case setBackends(String, [String])
    }

    private let recorded = Mutex<[Call]>([])

    var calls: [Call] { recorded.withLock { $0 } }

    func serve(_ routes: [ServiceRoute]) async throws {
        recorded.withLock { $0.append(.apply(routes.map(\.name).sorted())) }
    }

    func statistics() -> [ProxyRouteStats] { [] }

    func updateBackends(_ route: String, _ backends: [ProxyBackend]) {
        recorded.withLock { $0.append(.setBackends(route, backends.map(\.id))) }
    }
}

/// A real `ControlPlane` on a fresh directory, the `ControlAPI` over it, and the clean-up that
/// leaves no stack, process or directory behind.
struct ControlAPIHarness: Sendable {
    let directory: String
    let proxy: RecordingProxy
    let plane: ControlPlane
    let health: AgentHealth
    let api: ControlAPI

    init() throws {
        directory = "/tmp/aicore-api-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileIO.makeDirectories(directory)
        proxy = RecordingProxy()
        // On the host's network: these tests are not about networks, and must not make bridges
        // on the host (NetworkEndToEndTests runs an agent in a namespace of its own).
        var configuration = AgentConfiguration.local(directory)
        configuration.networkDefaultMode = .host
        plane = try LocalNode.controlPlane(configuration: configuration, proxy: proxy, logger: Logger(label: "aicore.test.api"))
        health = AgentHealth()
        api = ControlAPI(plane: plane, health: health, logger: Logger(label: "aicore.test.api"))
    }

    /// Runs `body` on a fresh harness and tears it down whether `body` throws or not: every
    /// stack down, the plane shut down (stopping what still runs), the cgroups of `stacks`
    /// and the directory removed.
    static func with<T: Sendable>(stacks: [String] = [], _ body: (ControlAPIHarness) async throws -> T) async throws -> T {
        let harness = try ControlAPIHarness()
        do {
            let value = try await body(harness)
            await harness.tearDown(stacks: stacks)
            return value
        } catch {
            await harness.tearDown(stacks: stacks)
            throw error
        }
    }

    func tearDown(stacks: [String]) async {
        for name in (try? await plane.stackNames()) ?? [] {
            _ = try? await plane.down(name, removeVolumes: true)
        }
        await plane.shutdown()
        for stack in stacks { Self.removeCgroups(of: stack) }
        try? FileIO.removeTree(directory)
    }

    /// `down` removes the instances' cgroups but leaves their parents, `aicore/<stack>/<service>`
    /// and `aicore/<stack>`, empty: remove those (rmdir only ever removes an empty cgroup).
    static func removeCgroups(of stack: String) {
        guard let top = try? CgroupDetection.detect().handle(for: "aicore/\(stack)") else { return }
        for directory in top.directories {
            for child in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                var isDirectory: ObjCBool = false
                let path = directory + "/" + child
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { rmdir(path) }
            }
            rmdir(directory)
        }
    }

    /// The application of `router(token:)`, tested without a socket.
    func test<T: Sendable>(token: String? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await Application(router: api.router(token: token)).test(.router, body)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try ControlAPI.decoder.decode(T.self, from: Data(body.readableBytesView))
    }
}

/// Checks that `response` is an RFC 9457 problem document with `status`: the media type, the
/// `status` field, and a `detail` of one line that names no Swift type. Returns it.
@discardableResult
func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status,
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> ProblemDocument {
    #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let problem = try response.json(ProblemDocument.self)
    #expect(problem.status == Int(status.code), sourceLocation: sourceLocation)
    #expect(problem.type.hasPrefix("https://aicore.dev/problems/"), sourceLocation: sourceLocation)
    #expect(problem.title == status.reasonPhrase, sourceLocation: sourceLocation)
    #expect(!problem.detail.isEmpty && !problem.detail.contains("\n"), "\(problem.detail)", sourceLocation: sourceLocation)
    for typeName in ["Error(", "Swift.", "AICore", "Optional(", "CodingKeys", "DecodingError", "HTTPError", "Context("] {
        #expect(!problem.detail.contains(typeName), "\(problem.detail)", sourceLocation: sourceLocation)
    }
    return problem
}
