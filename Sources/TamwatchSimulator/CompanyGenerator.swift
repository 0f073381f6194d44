import TamwatchModel

/// Realistic, deterministic company rows: the same job and index always give the same company.
enum CompanyGenerator {
    private static let prefixes = [
        "Acme", "Nimbus", "Vector", "Lumen", "Cobalt", "Arbor", "Helix", "Quanta", "Sierra",
        "Orbit", "Beacon", "Granite", "Tidal", "Summit", "Pioneer", "Kestrel", "Atlas", "Ember",
    ]
    private static let suffixes = [
        "Observability", "Metrics", "Cloud", "Signals", "Labs", "Systems", "Analytics",
        "Monitoring", "Telemetry", "Insights", "Stack", "Ops",
    ]
    private static let places: [(String, String, String)] = [
        ("San Francisco", "California", "United States"), ("New York", "New York", "United States"),
        ("Austin", "Texas", "United States"), ("Seattle", "Washington", "United States"),
        ("Boston", "Massachusetts", "United States"), ("Toronto", "Ontario", "Canada"),
        ("London", "England", "United Kingdom"), ("Berlin", "Berlin", "Germany"),
        ("Amsterdam", "North Holland", "Netherlands"), ("Bengaluru", "Karnataka", "India"),
        ("Sydney", "New South Wales", "Australia"), ("Tel Aviv", "Tel Aviv District", "Israel"),
    ]
    private static let stages = ["Seed", "Series A", "Series B", "Series C", "Series D", "Private Equity", "Public"]
    private static let industries = [
        ["Software", "DevOps"], ["Software", "IT Services"], ["Cloud Computing"],
        ["Software", "Security"], ["Data Infrastructure", "Analytics"],
    ]

    /// Row `index` (0-based, across the whole build) of a job.
    static func row(jobId: String, index: Int, scenario: Scenario, query: String) -> JSONValue {
        var seed = UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        for b in jobId.utf8 { seed = (seed ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        func pick(_ n: Int) -> Int {
            seed ^= seed >> 33
            seed = seed &* 0xff51_afd7_ed55_8ccd
            seed ^= seed >> 33
            return Int(seed % UInt64(n))
        }
        var bandIndex = 0
        var offset = index
        while bandIndex < scenario.bands.count - 1, offset >= scenario.bands[bandIndex].companies {
            offset -= scenario.bands[bandIndex].companies
            bandIndex += 1
        }
        let band = scenario.bands[bandIndex]
        let name = "\(prefixes[pick(prefixes.count)]) \(suffixes[pick(suffixes.count)]) \(index + 1)"
        let slug = name.lowercased().split(separator: " ").joined(separator: "-")
        let place = places[pick(places.count)]
        let bounds = band.label.split(separator: "-").compactMap { Int($0.filter(\.isNumber)) }
        let low = bounds.first ?? 1
        let high = bounds.count > 1 ? bounds[1] : low * 4
        let employees = low + pick(max(1, high - low + 1))
        let score = max(40, 99 - offset * 55 / max(1, band.companies))
        return .object([
            ("name", .string(name)), ("domain", .string("\(slug).example")),
            ("linkedin_url", .string("https://www.linkedin.com/company/\(slug)")),
            ("headquarters", .string("\(place.0), \(place.1), \(place.2)")),
            ("match_reason", .string("Builds products that match \"\(query)\".")),
            ("match_score", .int(Int64(score))), ("source_band", .string(band.label)),
            ("source_query", .string(query)), ("employee_count", .int(Int64(employees))),
            ("funding_stage", .string(stages[pick(stages.count)])),
            ("industries", .array(industries[pick(industries.count)].map(JSONValue.string))),
            ("hq_city", .string(place.0)), ("hq_region", .string(place.1)), ("hq_country", .string(place.2)),
        ])
    }
}
