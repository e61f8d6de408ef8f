import Testing

@testable import AICoreSpec

@Suite("Interpolator")
struct InterpolatorTests {
    /// The variables every case sees: `A` is set, `B` is set, `EMPTY` is set to "", `UNSET` is not set.
    static let variables = ["A": "a", "B": "b", "EMPTY": ""]

    struct Case: CustomTestStringConvertible, Sendable {
        let input: String
        let output: String
        let unset: [String]
        let why: String

        init(_ input: String, _ output: String, unset: [String] = [], _ why: String) {
            self.input = input
            self.output = output
            self.unset = unset
            self.why = why
        }

        var testDescription: String { "\(input) → \"\(output)\" (\(why))" }
    }

    static let substitutions: [Case] = [
        Case("plain text", "plain text", "text without a dollar is left alone"),
        Case("${A}", "a", "braced"),
        Case("$A", "a", "unbraced"),
        Case("x${A}y$B.z", "xayb.z", "several in one value"),
        Case("$A-suffix", "a-suffix", "an unbraced name ends at the first non-name character"),
        Case("${A:-d}", "a", ":- keeps a set value"),
        Case("${UNSET:-d}", "d", ":- defaults when unset"),
        Case("${EMPTY:-d}", "d", ":- defaults when empty"),
        Case("${UNSET:-}", "", ":- with an empty default is not an unset warning"),
        Case("${A-d}", "a", "- keeps a set value"),
        Case("${UNSET-d}", "d", "- defaults when unset"),
        Case("${EMPTY-d}", "", "- keeps an empty value"),
        Case("${A:?msg}", "a", ":? passes a set value"),
        Case("${A?msg}", "a", "? passes a set value"),
        Case("${EMPTY?msg}", "", "? accepts an empty value"),
        Case("${A:+r}", "r", ":+ replaces a set value"),
        Case("${EMPTY:+r}", "", ":+ treats empty as missing"),
        Case("${UNSET:+r}", "", ":+ gives nothing when unset"),
        Case("${A+r}", "r", "+ replaces a set value"),
        Case("${EMPTY+r}", "r", "+ replaces an empty but set value"),
        Case("${UNSET+r}", "", "+ gives nothing when unset"),
        Case("${UNSET:-${B:-x}}", "b", "a nested default takes the inner variable"),
        Case("${UNSET:-${EMPTY:-x}}", "x", "a nested default falls through to the innermost"),
        Case("${UNSET:-$B}", "b", "a default may be an unbraced variable"),
        Case("${UNSET:-http://${A}:80}", "http://a:80", "a default may mix text and variables"),
        Case("$$", "$", "$$ is a literal dollar"),
        Case("$$VAR", "$VAR", "$$VAR is not interpolated"),
        Case("$${A}", "${A}", "$${A} is not interpolated"),
        Case("$", "$", "a lone dollar at the end is kept"),
        Case("cost: $ 5", "cost: $ 5", "a dollar before a space is kept"),
        Case("$1", "$1", "a dollar before a digit is kept"),
        Case("${UNSET}", "", unset: ["UNSET"], "an unset braced variable becomes empty and is reported"),
        Case("$UNSET", "", unset: ["UNSET"], "an unset unbraced variable becomes empty and is reported"),
        Case("${EMPTY}", "", "an empty variable is set, so it is not reported"),
        Case("${UNSET:-$OTHER}", "", unset: ["OTHER"], "an unset variable inside a used default is reported"),
        Case("${A:-$OTHER}", "a", "an unused default is not evaluated"),
    ]

    @Test("substitutes", arguments: substitutions)
    func substitutes(_ example: Case) throws {
        let result = Interpolator(variables: Self.variables).interpolate(example.input)
        let output = try result.get()
        #expect(output.text == example.output)
        #expect(output.unsetVariables == example.unset)
    }

    static let missingRequired: [(input: String, name: String, message: String)] = [
        ("${UNSET:?must set UNSET}", "UNSET", "must set UNSET"),
        ("${EMPTY:?must not be empty}", "EMPTY", "must not be empty"),
        ("${UNSET?needed}", "UNSET", "needed"),
        ("${UNSET:?}", "UNSET", ""),
        ("${UNSET:?set ${A} first}", "UNSET", "set a first"),
    ]

    @Test("fails on a missing required variable", arguments: missingRequired)
    func requiredVariable(_ example: (input: String, name: String, message: String)) {
        let result = Interpolator(variables: Self.variables).interpolate(example.input)
        #expect(result == .failure(.requiredVariableMissing(name: example.name, message: example.message)))
    }

    @Test("describes a missing required variable with its message")
    func requiredVariableDescription() {
        #expect(
            Interpolator.Failure.requiredVariableMissing(name: "X", message: "must set X").description
                == "required variable X is missing a value: must set X")
        #expect(
            Interpolator.Failure.requiredVariableMissing(name: "X", message: "").description
                == "required variable X is missing a value")
    }

    static let invalidFormats: [(input: String, detail: String)] = [
        ("${", "unclosed ${"),
        ("x ${A", "unclosed ${"),
        ("${}", "expected a variable name after ${"),
        ("${1A}", "expected a variable name after ${"),
        ("${-A}", "expected a variable name after ${"),
        ("${A:x}", "unexpected \"x\" after ${A"),
        ("${A:}", "expected -, ?, or + after ${A:"),
        ("${A B}", "unexpected \" \" after ${A"),
    ]

    @Test("rejects an invalid ${…} expression", arguments: invalidFormats)
    func invalidFormat(_ example: (input: String, detail: String)) throws {
        let result = Interpolator(variables: Self.variables).interpolate(example.input)
        guard case .failure(.invalidFormat(let detail)) = result else {
            Issue.record("expected an invalid format failure, got \(result)")
            return
        }
        #expect(detail.contains(example.detail))
        #expect(Interpolator.Failure.invalidFormat(detail).description.hasPrefix("invalid interpolation format: "))
    }
}
