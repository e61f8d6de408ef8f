import AICoreErrors
import Hummingbird
import Testing
@testable import AICoreServer

/// Every error code leaves the REST API with one status and problem type, from one table; the
/// agent's own failures are 500s that say the agent (or its Store) failed, never the request.
@Suite struct ProblemMiddlewareTests {
    private func document(_ error: AICoreError) -> ProblemDocument {
        ProblemMiddleware<BasicRequestContext>.document(for: error)
    }

    @Test(arguments: [
        (AICoreError.Code.badRequest, 400, "bad-request"),
        (.unauthorized, 401, "unauthorized"),
        (.notFound, 404, "not-found"),
        (.methodNotAllowed, 405, "method-not-allowed"),
        (.conflict, 409, "conflict"),
        (.dependencyFailed, 409, "conflict"),
        (.timeout, 409, "conflict"),
        (.exhausted, 409, "conflict"),
        (.rolloutFailed, 409, "conflict"),
        (.disruptionBudget, 409, "conflict"),
        (.payloadTooLarge, 413, "payload-too-large"),
        (.unsupportedMediaType, 415, "unsupported-media-type"),
        (.invalidSpec, 422, "invalid-spec"),
        (.unavailable, 503, "unavailable"),
        (.registry, 502, "registry"),
        (.registryAuth, 502, "registry-auth"),
        (.rateLimited, 502, "registry-rate-limited"),
        (.volume, 500, "internal"),
        (.spawnFailed, 500, "internal"),
        (.internalError, 500, "internal"),
    ])
    func eachCodeHasOneStatusAndProblemType(code: AICoreError.Code, status: Int, type: String) {
        let problem = document(AICoreError(code, "it went wrong"))
        #expect(problem.status == status)
        #expect(problem.type == "https://aicore.dev/problems/\(type)")
        #expect(problem.title == ProblemMiddleware<BasicRequestContext>.status(status).reasonPhrase)
        #expect(!problem.title.isEmpty, "status \(status) has no reason phrase")
    }

    @Test func aRequestErrorSaysOnlyItsMessageAndListsItsDetails() {
        let problem = document(AICoreError(.invalidSpec, "the stack has 1 error(s)", details: ["compose.yaml:3:5: error: services.web.image: expected a string"]))
        #expect(problem.detail == "the stack has 1 error(s)")
        #expect(problem.errors == ["compose.yaml:3:5: error: services.web.image: expected a string"])
        #expect(document(AICoreError(.notFound, "no stack x")).errors == nil)
    }

    @Test func aStoreFailureSaysItWasTheAgentsStore() {
        for code in [AICoreError.Code.store, .diskFull, .readOnly, .corrupt] {
            let problem = document(AICoreError(code: code, message: "save instance web-1: database or disk is full"))
            #expect(problem.status == 500)
            #expect(problem.detail == "the agent's Store failed: save instance web-1: database or disk is full")
        }
    }

    @Test func anotherFailureOfTheAgentSaysTheAgentFailed() {
        #expect(document(AICoreError(code: .volume, message: "cannot chown /var/lib/x")).detail == "the agent failed: cannot chown /var/lib/x")
        #expect(document(AICoreError(.internalError, "the agent failed to handle the request; its log says why")).detail
            == "the agent failed to handle the request; its log says why")
    }

    @Test func aBareHTTPStatusMapsBackToItsCode() {
        for status in [400, 401, 404, 405, 409, 413, 415, 422, 503] {
            #expect(AICoreError(AICoreError.code(forStatus: status), "x").httpProblem.status == status)
        }
        #expect(AICoreError.code(forStatus: 418) == .internalError)
    }
}
