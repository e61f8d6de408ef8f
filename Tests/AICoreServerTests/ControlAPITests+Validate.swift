import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import AICoreServer

/// `POST /v1/stacks/validate`: `POST /v1/stacks` as a dry run. The same body and checks, the
/// same problem documents, and nothing saved.
extension ControlAPITests {
    @Test func validateAnswersAsTheApplyWouldAndSavesNothing() async throws {
        let name = Self.uniqueName()
        try await ControlAPIHarness.with(stacks: [name, "\(name)-b"]) { harness in
            try await harness.test { client in
                let valid = try await client.execute(uri: "/v1/stacks/validate", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile("\(name)-b", service: "c")))
                #expect(valid.status == .ok, "\(valid.text)")
                #expect(try valid.json(ValidationMessage.self) == ValidationMessage(valid: true, warnings: []))
                #expect(try await harness.plane.stackNames().isEmpty, "a dry run saves nothing")

                let first = try await client.execute(uri: "/v1/stacks", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile("\(name)-b", service: "c")))
                #expect(first.status == .accepted, "\(first.text)")

                // What the apply would refuse, with the same problem document.
                let clash = try await client.execute(uri: "/v1/stacks/validate", method: .post, headers: Self.yaml,
                                                     body: ByteBuffer(string: Self.idleStackFile(name, service: "b-c")))
                let problem = try expectProblem(clash, .conflict)
                #expect(problem.errors == ["services.b-c: instance names \(name)-b-c-N are already those of stack \(name)-b (service c); rename the stack or the service"])
                #expect(try await harness.plane.stackNames() == ["\(name)-b"])

                // strict=false keeps what aicore-node cannot run a warning, as `config validate` does.
                let built = Self.idleStackFile(name, service: "web") + "    gpus: all\n"
                let strict = try await client.execute(uri: "/v1/stacks/validate", method: .post, headers: Self.yaml,
                                                      body: ByteBuffer(string: built))
                #expect(try expectProblem(strict, .unprocessableContent).errors?.contains { $0.contains("services.web.gpus") } == true)
                let relaxed = try await client.execute(uri: "/v1/stacks/validate?strict=false", method: .post, headers: Self.yaml,
                                                       body: ByteBuffer(string: built))
                #expect(relaxed.status == .ok, "\(relaxed.text)")
                let warnings = try relaxed.json(ValidationMessage.self).warnings
                #expect(warnings.contains { $0.contains("warning: services.web.gpus:") }, "\(warnings)")
                let bad = try await client.execute(uri: "/v1/stacks/validate?strict=maybe", method: .post, headers: Self.yaml,
                                                   body: ByteBuffer(string: built))
                try expectProblem(bad, .badRequest)
                #expect(try await harness.plane.stackNames() == ["\(name)-b"])
            }
        }
    }
}
