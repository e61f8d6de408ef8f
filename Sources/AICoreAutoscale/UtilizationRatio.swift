import AICoreErrors
/// Ratios of observed to desired usage, computed exactly on milli-values.
///
/// Sums are taken in 128-bit integers so that large reservations cannot overflow, then reduced
/// with the same truncating integer division Kubernetes uses, so the reported percentages match.
enum UtilizationRatio {
    struct Resource: Equatable {
        /// Observed utilisation divided by target utilisation, from the truncated percentage.
        var usageRatio: Double
        /// Σusage × 100 / Σrequests, truncated.
        var utilization: Int32
        /// Mean usage per counted replica, in milli-units.
        var rawAverage: Int64
    }

    /// Utilisation of the replicas that have both a value and a known request. Values for
    /// replicas without a request are treated as extraneous, because missing requests are
    /// reported before this is called.
    static func resource(
        values: [String: Int64], requests: [String: Int64], targetUtilization: Int32
    ) throws(AICoreError) -> Resource {
        var usageTotal: Int128 = 0
        var requestsTotal: Int128 = 0
        var entries: Int128 = 0
        for (id, value) in values {
            guard let request = requests[id] else { continue }
            usageTotal += Int128(value)
            requestsTotal += Int128(request)
            entries += 1
        }
        guard requestsTotal != 0 else {
            throw AICoreError(
                .noMetricsMatchedKnownReplicas,
                "no metrics returned matched known replicas; check that samples are keyed by replica id")
        }
        let percentage = usageTotal * 100 / requestsTotal
        guard let utilization = Int32(exactly: percentage) else {
            throw AICoreError(.valueOutOfRange, "resource utilization \(percentage) is outside the Int32 range")
        }
        // The mean of Int64 values always fits in an Int64.
        let rawAverage = Int64(usageTotal / entries)
        return Resource(
            usageRatio: Double(utilization) / Double(targetUtilization),
            utilization: utilization,
            rawAverage: rawAverage)
    }

    /// Mean value over every sample (there is no request to match against) and its ratio to the
    /// target. `values` must not be empty.
    static func average(values: [String: Int64], targetValue: Int64) -> (usageRatio: Double, average: Int64) {
        var total: Int128 = 0
        for value in values.values { total += Int128(value) }
        let average = Int64(total / Int128(values.count))
        return (Double(average) / Double(targetValue), average)
    }
}
