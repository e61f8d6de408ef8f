import Testing

@testable import AICoreSpec

/// Alias bombs are refused before the document is built, with the place and the limit.
@Suite("YAML expansion budget")
struct YAMLExpansionBudgetTests {
    /// The classic "billion laughs": nine levels of nine aliases, 10⁸ nodes from 500 bytes.
    static let billionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

        """

    @Test func theBillionLaughsIsRefusedWhereItCrossesTheLimit() throws {
        #expect(Self.billionLaughs.utf8.count < 600)
        var options = StackLoadOptions(files: ["/stacks/bomb.yml"], environment: [:])
        options.contents = ["/stacks/bomb.yml": Self.billionLaughs]
        let error = #expect(throws: StackLoadError.self) { try StackLoader.load(options) }
        #expect(error?.errors.map(\.description) == [
            "/stacks/bomb.yml:7:8: error: the document expands to more than 1000000 nodes here (aliases count as the nodes they repeat): that is the limit for a stack file"
        ])
    }

    /// Every node counts, and an alias counts as the nodes it repeats.
    @Test func aliasesCountAsTheNodesTheyRepeat() {
        // mapping 1, key a 1, list 1 + 3 items, key b 1, *a 4: 11 nodes.
        let text = "a: &a [1, 2, 3]\nb: *a\n"
        #expect(YAMLExpansionBudget(maxNodes: 11).check(text) == nil)
        #expect(YAMLExpansionBudget(maxNodes: 10).check(text) == YAMLExpansionBudget.Excess(
            line: 2, column: 4,
            message: "the document expands to more than 10 nodes here (aliases count as the nodes they repeat): that is the limit for a stack file"))
        // Nested anchors carry their expanded size: *b is 1 + 2 × 4 nodes.
        // map 1, a 1, [1,2,3] 4, b 1, [*a,*a] 9, c 1, *b 9: 26.
        let nested = "a: &a [1, 2, 3]\nb: &b [*a, *a]\nc: *b\n"
        #expect(YAMLExpansionBudget(maxNodes: 1 + 1 + 4 + 1 + 9 + 1 + 9).check(nested) == nil)
        #expect(YAMLExpansionBudget(maxNodes: 1 + 1 + 4 + 1 + 9 + 1 + 8).check(nested)?.line == 3)
    }

    @Test func aliasUsesHaveABudgetOfTheirOwn() {
        let text = "a: &a x\nb: [*a, *a, *a]\n"
        #expect(YAMLExpansionBudget(maxAliases: 3).check(text) == nil)
        #expect(YAMLExpansionBudget(maxAliases: 2).check(text) == YAMLExpansionBudget.Excess(
            line: 2, column: 13, message: "more than 2 aliases (*name): that is the limit for a stack file"))
    }

    @Test func aStackWithinTheBudgetLoadsAndBrokenYAMLIsLeftToTheParser() throws {
        #expect(YAMLExpansionBudget.standard.check("services:\n  web: &web {command: [\"/bin/true\"]}\n  api: *web\n") == nil)
        #expect(YAMLExpansionBudget.standard.check("services:\n  web: [unclosed\n") == nil)
        let read = YAMLReader.parse("a: &a [1, 2]\nb: [*a, *a]\n", file: "small.yml", budget: YAMLExpansionBudget(maxNodes: 8))
        guard case .failure(let diagnostic) = read else {
            Issue.record("expected a refusal, got \(read)")
            return
        }
        #expect(diagnostic.description == "small.yml:2:5: error: the document expands to more than 8 nodes here (aliases count as the nodes they repeat): that is the limit for a stack file")
    }
}
