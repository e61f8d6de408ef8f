extension Int32 {
    /// `ceil(value)` saturated to the Int32 range, so an absurd metric yields the largest replica
    /// count instead of a trap. NaN (no meaningful answer) saturates to zero.
    init(saturatingCeil value: Double) {
        let rounded = value.rounded(.up)
        if rounded.isNaN {
            self = 0
        } else if rounded >= Double(Int32.max) {
            self = .max
        } else if rounded <= Double(Int32.min) {
            self = .min
        } else {
            self = Int32(rounded)
        }
    }

    /// `value` truncated toward zero and saturated to the Int32 range.
    init(saturatingTruncating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= Double(Int32.max) {
            self = .max
        } else if value <= Double(Int32.min) {
            self = .min
        } else {
            self = Int32(value)
        }
    }
}

extension Int64 {
    /// `ceil(value)` saturated to the Int64 range.
    init(saturatingCeil value: Double) {
        let rounded = value.rounded(.up)
        if rounded.isNaN {
            self = 0
        } else if rounded >= Double(Int64.max) {
            self = .max
        } else if rounded <= Double(Int64.min) {
            self = .min
        } else {
            self = Int64(rounded)
        }
    }
}
