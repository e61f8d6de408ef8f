extension CronField {
    /// One field as written: a comma-separated list whose items are `*` (or `?` where allowed),
    /// a value, or a range `a-b`, each optionally stepped (`*/n`, `a-b/n`, and `a/n`, which runs
    /// from a to the field's maximum).
    ///
    /// Where robfig/cron shrugs at something that is surely a mistake it is refused here rather
    /// than guessed at: empty list items (`1,,2`; robfig skips them, and `,` alone would then
    /// never fire), text after a wildcard (`*-5`, which robfig reads as `*`), and signs (`+5`).
    init(parsing text: Substring, bounds: CronFieldBounds) throws(CronParseError) {
        var field = CronField(bits: 0)
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw CronParseError(field: bounds.field, message: "empty item in the list \(text); expected values separated by single commas")
            }
            let parsed = try CronField(parsingItem: item, bounds: bounds)
            field.bits |= parsed.bits
            field.isWildcard = field.isWildcard || parsed.isWildcard
        }
        self = field
    }

    private init(parsingItem item: Substring, bounds: CronFieldBounds) throws(CronParseError) {
        let fail = { (message: String) in CronParseError(field: bounds.field, message: message) }
        let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard stepParts.count <= 2 else {
            throw fail("\(item) has more than one /; expected a step such as */15 or 0-30/5")
        }
        let rangeText = stepParts[0]
        let isWildcard = rangeText == "*" || (rangeText == "?" && bounds.allowsQuestionMark)
        if rangeText == "?" && !isWildcard {
            throw fail("? is allowed only in day-of-month and day-of-week; use * here")
        }

        var low = bounds.range.lowerBound
        var high = bounds.range.upperBound
        // Whether the item says where it ends (`*`, `a-b`); `a/n` does not, and runs to the maximum.
        let namesEnd: Bool
        if isWildcard {
            namesEnd = true
        } else {
            let ends = rangeText.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count <= 2 else {
                throw fail("\(item) has more than one -; expected a range such as 1-5")
            }
            low = try Self.value(ends[0], in: item, bounds: bounds)
            high = ends.count == 2 ? try Self.value(ends[1], in: item, bounds: bounds) : low
            namesEnd = ends.count == 2
            for (value, written) in zip([low, high], ends) where !bounds.range.contains(value) {
                let place = namesEnd ? " in \(item)" : ""
                let hint = bounds.rangeHint.map { " (\($0))" } ?? ""
                throw fail("\(written)\(place) is out of range \(bounds.range.lowerBound)-\(bounds.range.upperBound)\(hint)")
            }
            guard low <= high else {
                throw fail("range \(rangeText) starts after it ends; expected the smaller value first")
            }
        }

        var step = 1
        if stepParts.count == 2 {
            step = try Self.step(stepParts[1], in: item, bounds: bounds)
            // `a/n` means a, a+n, ... through the maximum, as in Vixie cron and robfig/cron.
            if !namesEnd { high = bounds.range.upperBound }
        }
        self.init(
            bits: Self.bits(from: low, through: high, step: step),
            isWildcard: isWildcard && step == 1)
    }

    /// A value: decimal digits or, in month and day-of-week, a three-letter name.
    private static func value(_ text: Substring, in item: Substring, bounds: CronFieldBounds) throws(CronParseError) -> Int {
        if let named = bounds.names[text.lowercased()] { return named }
        if text == "*" || text == "?" {
            throw CronParseError(field: bounds.field, message: "\(text) cannot be part of a range in \(item); write \(text) alone or a range such as 1-5")
        }
        guard let number = decimal(text) else {
            let message = text.isEmpty
                ? "missing value in \(item); expected \(bounds.expectedValue)"
                : "\"\(text)\" is not \(bounds.expectedValue)"
            throw CronParseError(field: bounds.field, message: message)
        }
        return number
    }

    /// A step: a positive decimal number (never a name).
    private static func step(_ text: Substring, in item: Substring, bounds: CronFieldBounds) throws(CronParseError) -> Int {
        let magnitude = text.first == "-" ? decimal(text.dropFirst()) : decimal(text)
        guard let magnitude, text.first != "-", magnitude > 0 else {
            let found = text.isEmpty ? "missing step in \(item)" : "step \(text) in \(item)"
            throw CronParseError(field: bounds.field, message: "\(found) must be a positive number, as in */15")
        }
        return magnitude
    }

    /// Decimal digits only; a value too long for Int is clamped, since it is out of every range.
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text.count > 9 ? Int.max : Int(text)
    }
}
