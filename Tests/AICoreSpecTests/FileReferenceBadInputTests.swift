import Testing

@testable import AICoreSpec

/// Broken `secrets` and `configs`, each with its one located error.
@Suite("Secrets and configs: bad input")
struct FileReferenceBadInputTests {
    typealias BadInput = BadInputTests.BadInput

    @Test("reports the error at its line, column and key path", arguments: cases)
    func locatedError(_ input: BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }

    static let header = "services:\n  api:\n    command: sleep 1\n"

    static let cases: [BadInput] = [
        BadInput(
            "an external secret",
            header + "secrets:\n  token:\n    external: true\n",
            at: 6, 15, "secrets.token.external",
            "an external secret is not supported on a single node: it would come from a cluster's secret store"),
        BadInput(
            "an external config",
            header + "configs:\n  app:\n    external: true\n",
            at: 6, 15, "configs.app.external", "an external config is not supported on a single node"),
        BadInput(
            "a secret with no source",
            header + "secrets:\n  token:\n    name: t\n",
            at: 6, 5, "secrets.token", "needs one of `file` or `environment`"),
        BadInput(
            "a config with two sources",
            header + "configs:\n  app:\n    file: ./a\n    content: x\n",
            at: 6, 5, "configs.app", "takes only one of `file`, `environment` or `content`"),
        BadInput(
            "a secret with content (configs only)",
            header + "secrets:\n  token:\n    content: x\n",
            at: 6, 14, "secrets.token.content", "a secret takes no `content` (configs do)"),
        BadInput(
            "a service names an undeclared secret",
            header + "    secrets: [tokn]\nsecrets:\n  token:\n    file: ./t\n",
            at: 4, 15, "services.api.secrets[0]", "refers to undefined secret `tokn`; did you mean `token`?"),
        BadInput(
            "a service names an undeclared config in the long syntax",
            header + "    configs:\n      - source: app\n",
            at: 5, 9, "services.api.configs[0]", "refers to undefined config `app`; declare it under the top-level `configs:`"),
        BadInput(
            "a mode that is not octal",
            header + "    secrets:\n      - source: token\n        mode: 0999\nsecrets:\n  token:\n    file: ./t\n",
            at: 6, 15, "services.api.secrets[0].mode", #"expected an octal mode from 0 to 0777 like 0440, found "0999""#),
        BadInput(
            "a mode with set-id bits",
            header + "    secrets:\n      - source: token\n        mode: 04755\nsecrets:\n  token:\n    file: ./t\n",
            at: 6, 15, "services.api.secrets[0].mode", "expected an octal mode from 0 to 0777"),
        BadInput(
            "a uid that is a name",
            header + "    secrets:\n      - source: token\n        uid: alice\nsecrets:\n  token:\n    file: ./t\n",
            at: 6, 14, "services.api.secrets[0].uid", #"expected a numeric id like 1000, found "alice""#),
        BadInput(
            "a negative gid",
            header + "    configs:\n      - source: app\n        gid: -1\nconfigs:\n  app:\n    content: x\n",
            at: 6, 14, "services.api.configs[0].gid", "expected a numeric id like 1000"),
        BadInput(
            "the long syntax without source",
            header + "    secrets:\n      - target: token\n",
            at: 5, 9, "services.api.secrets[0]", "a secret needs a `source`"),
        BadInput(
            "a target with ..",
            header + "    secrets:\n      - source: token\n        target: ../../etc/shadow\nsecrets:\n  token:\n    file: ./t\n",
            at: 6, 9, "services.api.secrets[0].target", "expected a file name or an absolute path without . or .. components"),
        BadInput(
            "two secrets at one target",
            header + "    secrets:\n      - token\n      - source: other\n        target: token\nsecrets:\n  token:\n    file: ./t\n  other:\n    file: ./o\n",
            at: 6, 9, "services.api.secrets[1]", "/run/secrets/token is already the target of `token`"),
        BadInput(
            "secrets on a service is a mapping",
            header + "    secrets:\n      token: {}\n",
            at: 5, 7, "services.api.secrets", "expected a list of secret names or mappings, found a mapping"),
        BadInput(
            "a misspelt key in the long syntax",
            header + "    secrets:\n      - source: token\n        mdoe: 0400\nsecrets:\n  token:\n    file: ./t\n",
            at: 6, 9, "services.api.secrets[0].mdoe", "did you mean `mode`?"),
    ]
}
