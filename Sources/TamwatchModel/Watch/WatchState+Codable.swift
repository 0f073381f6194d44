import Foundation

/// How the state store keeps a watch's state. A key a state written by an older tamwatch does
/// not have reads as its starting value; `last_progress_at` is seconds since 1970.
extension WatchState: Codable {
    enum CodingKeys: String, CodingKey {
        case query, snapshot, sequence, statusChanges = "status_changes", bandsAnnounced = "bands_announced"
        case processedHighWater = "processed_high_water", degradedEvents = "degraded_events", creditEvents = "credit_events"
        case lastCredits = "last_credits", stalls, stallAnnounced = "stall_announced", lastProgressAt = "last_progress_at"
        case terminalAnnounced = "terminal_announced", watchErrors = "watch_errors", pace
        case budget, budgetWarned = "budget_warned", budgetExceeded = "budget_exceeded"
        case resultsReported = "results_reported", creditsLow = "credits_low"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lastProgressAt: Date(timeIntervalSince1970: try c.decode(Double.self, forKey: .lastProgressAt)))
        query = try c.decodeIfPresent(String.self, forKey: .query)
        // A snapshot this version cannot read is a first observation again, not a lost state.
        snapshot = (try? c.decodeIfPresent(JobSnapshot.self, forKey: .snapshot)) ?? nil
        sequence = try c.decodeIfPresent(Int.self, forKey: .sequence) ?? 0
        statusChanges = try c.decodeIfPresent(Int.self, forKey: .statusChanges) ?? 0
        bandsAnnounced = try c.decodeIfPresent(Int.self, forKey: .bandsAnnounced) ?? 0
        processedHighWater = try c.decodeIfPresent(Int.self, forKey: .processedHighWater) ?? 0
        degradedEvents = try c.decodeIfPresent(Int.self, forKey: .degradedEvents) ?? 0
        creditEvents = try c.decodeIfPresent(Int.self, forKey: .creditEvents) ?? 0
        lastCredits = try c.decodeIfPresent(Double.self, forKey: .lastCredits)
        stalls = try c.decodeIfPresent(Int.self, forKey: .stalls) ?? 0
        stallAnnounced = try c.decodeIfPresent(Bool.self, forKey: .stallAnnounced) ?? false
        terminalAnnounced = try c.decodeIfPresent(Bool.self, forKey: .terminalAnnounced) ?? false
        watchErrors = try c.decodeIfPresent(Int.self, forKey: .watchErrors) ?? 0
        pace = (try? c.decodeIfPresent([PaceSample].self, forKey: .pace)) ?? []
        budget = (try? c.decodeIfPresent(CreditBudget.self, forKey: .budget)) ?? nil
        budgetWarned = try c.decodeIfPresent(Bool.self, forKey: .budgetWarned) ?? false
        budgetExceeded = try c.decodeIfPresent(Bool.self, forKey: .budgetExceeded) ?? false
        resultsReported = try c.decodeIfPresent(Bool.self, forKey: .resultsReported) ?? false
        creditsLow = try c.decodeIfPresent(Bool.self, forKey: .creditsLow) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(query, forKey: .query)
        try c.encodeIfPresent(snapshot, forKey: .snapshot)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(statusChanges, forKey: .statusChanges)
        try c.encode(bandsAnnounced, forKey: .bandsAnnounced)
        try c.encode(processedHighWater, forKey: .processedHighWater)
        try c.encode(degradedEvents, forKey: .degradedEvents)
        try c.encode(creditEvents, forKey: .creditEvents)
        try c.encodeIfPresent(lastCredits, forKey: .lastCredits)
        try c.encode(stalls, forKey: .stalls)
        try c.encode(stallAnnounced, forKey: .stallAnnounced)
        try c.encode(lastProgressAt.timeIntervalSince1970, forKey: .lastProgressAt)
        try c.encode(terminalAnnounced, forKey: .terminalAnnounced)
        try c.encode(watchErrors, forKey: .watchErrors)
        if !pace.isEmpty { try c.encode(pace, forKey: .pace) }
        try c.encodeIfPresent(budget, forKey: .budget)
        if budgetWarned { try c.encode(budgetWarned, forKey: .budgetWarned) }
        if budgetExceeded { try c.encode(budgetExceeded, forKey: .budgetExceeded) }
        if resultsReported { try c.encode(resultsReported, forKey: .resultsReported) }
        if creditsLow { try c.encode(creditsLow, forKey: .creditsLow) }
    }
}
