// Ported from robfig/cron v3 (master), parser_test.go: TestRange, TestField, TestAll, TestBits.
// Rows keep the Go inputs (expression, bounds) and expected bits; robfig's "star bit" is
// `isWildcard` here. TestRange's error rows expect this parser's own messages where Go checks
// a fragment of its own ("too many hyphens" and so on); the field is labelled `minute` because
// these rows try bounds no real field has.
// Left out: nothing.
import Testing
@testable import AICoreSchedule

@Suite struct CronFieldTests {
    struct RangeRow: Sendable, CustomTestStringConvertible {
        let expression: String
        let bounds: ClosedRange<Int>
        var expected = CronField(bits: 0)
        var error: String?
        var testDescription: String { "\(expression) in \(bounds.lowerBound)-\(bounds.upperBound)" }
    }

    /// TestRange: one item of a list (`a`, `a-b`, `*`, with a step).
    static let ranges: [RangeRow] = [
        .init(expression: "5", bounds: 0...7, expected: .init(bits: 1 << 5)),
        .init(expression: "0", bounds: 0...7, expected: .init(bits: 1 << 0)),
        .init(expression: "7", bounds: 0...7, expected: .init(bits: 1 << 7)),

        .init(expression: "5-5", bounds: 0...7, expected: .init(bits: 1 << 5)),
        .init(expression: "5-6", bounds: 0...7, expected: .init(bits: 1 << 5 | 1 << 6)),
        .init(expression: "5-7", bounds: 0...7, expected: .init(bits: 1 << 5 | 1 << 6 | 1 << 7)),

        .init(expression: "5-6/2", bounds: 0...7, expected: .init(bits: 1 << 5)),
        .init(expression: "5-7/2", bounds: 0...7, expected: .init(bits: 1 << 5 | 1 << 7)),
        .init(expression: "5-7/1", bounds: 0...7, expected: .init(bits: 1 << 5 | 1 << 6 | 1 << 7)),

        .init(expression: "*", bounds: 1...3, expected: .init(bits: 1 << 1 | 1 << 2 | 1 << 3, isWildcard: true)),
        .init(expression: "*/2", bounds: 1...3, expected: .init(bits: 1 << 1 | 1 << 3)),

        .init(expression: "5--5", bounds: 0...0, error: "minute: 5--5 has more than one -; expected a range such as 1-5"),
        .init(expression: "jan-x", bounds: 0...0, error: "minute: \"jan\" is not a number from 0 to 0"),
        .init(expression: "2-x", bounds: 1...5, error: "minute: \"x\" is not a number from 1 to 5"),
        .init(expression: "*/-12", bounds: 0...0, error: "minute: step -12 in */-12 must be a positive number, as in */15"),
        .init(expression: "*//2", bounds: 0...0, error: "minute: *//2 has more than one /; expected a step such as */15 or 0-30/5"),
        .init(expression: "1", bounds: 3...5, error: "minute: 1 is out of range 3-5"),
        .init(expression: "6", bounds: 3...5, error: "minute: 6 is out of range 3-5"),
        .init(expression: "5-3", bounds: 3...5, error: "minute: range 5-3 starts after it ends; expected the smaller value first"),
        .init(expression: "*/0", bounds: 0...0, error: "minute: step 0 in */0 must be a positive number, as in */15"),
    ]

    @Test(arguments: ranges)
    func anItemAllowsTheValuesItNamesOrIsRefusedWithAReason(_ row: RangeRow) {
        let bounds = CronFieldBounds(field: .minute, range: row.bounds)
        do {
            let field = try CronField(parsing: row.expression[...], bounds: bounds)
            #expect(row.error == nil)
            #expect(field == row.expected)
        } catch {
            #expect(error.description == row.error)
        }
    }

    /// TestField: a comma-separated list of items.
    @Test(arguments: [
        ("5", 1 << 5),
        ("5,6", 1 << 5 | 1 << 6),
        ("5,6,7", 1 << 5 | 1 << 6 | 1 << 7),
        ("1,5-7/2,3", 1 << 1 | 1 << 5 | 1 << 7 | 1 << 3),
    ] as [(String, UInt64)])
    func aListAllowsTheUnionOfItsItems(_ expression: String, _ bits: UInt64) throws {
        let field = try CronField(parsing: expression[...], bounds: CronFieldBounds(field: .minute, range: 1...7))
        #expect(field == CronField(bits: bits))
    }

    /// TestAll: `*` in each real field allows exactly that field's range.
    @Test(arguments: [
        (CronFieldBounds.minute, 0xfff_ffff_ffff_ffff),  // 0-59: 60 ones
        (.hour, 0xff_ffff),  // 0-23: 24 ones
        (.dayOfMonth, 0xffff_fffe),  // 1-31: 31 ones, 1 zero
        (.month, 0x1ffe),  // 1-12: 12 ones, 1 zero
        (.dayOfWeek, 0x7f),  // 0-6: 7 ones
    ] as [(CronFieldBounds, UInt64)])
    func aWildcardAllowsTheWholeRangeOfItsField(_ bounds: CronFieldBounds, _ bits: UInt64) throws {
        #expect(CronField.all(bounds) == CronField(bits: bits, isWildcard: true))
        #expect(try CronField(parsing: "*", bounds: bounds) == CronField(bits: bits, isWildcard: true))
    }

    /// TestBits: a stepped range as bits.
    @Test(arguments: [
        (0, 0, 1, 0x1),
        (1, 1, 1, 0x2),
        (1, 5, 2, 0x2a),  // 101010
        (1, 4, 2, 0xa),  // 1010
    ] as [(Int, Int, Int, UInt64)])
    func aSteppedRangeSetsEveryStepthBitFromItsStart(_ low: Int, _ high: Int, _ step: Int, _ bits: UInt64) {
        #expect(CronField.bits(from: low, through: high, step: step) == bits)
    }
}
