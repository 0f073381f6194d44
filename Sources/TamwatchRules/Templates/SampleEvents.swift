import Foundation
import TamwatchModel

/// Realistic events of every type, for `tamwatch render` and `tamwatch test-send`: a six-band
/// build of about 21,800 companies, seen at the moment each event would occur.
public enum SampleEvents {
    public static let jobId = "8a8e8a97-8192-48ff-849a-d8a96e949732"
    /// The sample build's query, as its events carry it in `data.query`.
    public static let query = "cloud observability and monitoring tools"

    /// The five highest-ranked companies of the sample build, as the API gives its rows.
    static let topRows: [JSONValue] = [
        ("Acme Observability", "acme-observe.com", 97, "201-1000"), ("Tracewell", "tracewell.io", 95, "51-200"),
        ("Lumen Signals", "lumensignals.com", 94, "1001-5000"), ("Northwind Metrics", "northwind-metrics.com", 93, "201-1000"),
        ("Sable & Pike Monitoring", "sablepike.dev", 91, "11-50"),
    ].map { name, domain, score, band in
        .object([
            ("name", .string(name)), ("domain", .string(domain)), ("linkedin_url", .string("https://www.linkedin.com/company/\(domain)")),
            ("match_score", .int(Int64(score))), ("source_band", .string(band)),
            ("source_query", .string(query)),
        ])
    }

    public static func make(
        _ type: EventType, labels: [String: String] = ["owner": "ana@example.com", "team": "sales"],
        at now: Date = Date()
    ) -> Event {
        var snapshot = JobSnapshot(
            jobId: jobId, status: .running, processed: 9120, bandsDone: 3, bandsTotal: 6,
            progressMessage: "band 201-1000: validating 5000", degraded: false)
        var data: JSONValue
        var sequence = 9
        switch type {
        case .statusChanged:
            data = .object([("from", .string("pending")), ("to", .string("running"))])
            sequence = 2
        case .bandCompleted:
            data = .object([("band", .int(3)), ("bands_done", .int(3)), ("bands_total", .int(6)), ("processed", .int(9120))])
        case .processedMilestone:
            data = .object([("milestone", .int(5000)), ("processed", .int(9120))])
        case .progress:
            data = .object([
                ("processed", .int(9120)), ("processed_delta", .int(1510)),
                ("progress_message", .string("band 201-1000: validating 5000")), ("rate_per_minute", .int(1510)),
            ])
        case .degraded:
            snapshot.degraded = true
            data = .object([("source", .string("job"))])
        case .stalled:
            data = .object([("stalled_for_seconds", .int(1860))])
        case .creditsConsumed, .terminal:
            snapshot = completed
            sequence = type == .terminal ? 31 : 30
            data =
                type == .terminal
                ? .object([
                    ("status", .string("completed")), ("error_message", .null), ("manifest", completed.manifest?.json ?? .null),
                    ("top", .array(topRows)),
                ])
                : .object([("credits_consumed", .number(21815)), ("unique_count", .int(21815))])
        case .watchError:
            data = .object([
                ("kind", .string("unauthorized")), ("http_status", .int(401)),
                ("message", .string("HTTP 401: the API key was refused")),
            ])
        case .resultsReady:
            snapshot = completed
            sequence = 32
            data = .object([
                (
                    "results",
                    .object([
                        ("path", .string("results/\(jobId).csv")), ("format", .string("csv")), ("rows", .int(21815)),
                        ("bytes", .int(6_912_204)),
                        ("sha256", .string("5f0c4b1a8e2d9c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99")),
                    ])
                )
            ])
        case .budgetWarning:
            data = .object([("processed", .int(8000)), ("max_credits", .int(10000))])
        case .budgetExceeded:
            snapshot.status = .pausing
            snapshot.processed = 10040
            data = .object([
                ("processed", .int(10040)), ("max_credits", .int(10000)), ("action", .string("pause")),
                (
                    "action_result",
                    .object([
                        ("status", .string("pausing")), ("http_status", .int(202)),
                        ("message", .string("Pause requested; the job will pause at the next checkpoint.")),
                    ])
                ),
            ])
        case .creditsLow:
            return Event(
                id: Event.makeID(jobId: "", type: type, key: "sample"), type: type, jobId: "", sequence: 1, occurredAt: now,
                data: .object([
                    ("credits_left", .number(850)), ("credits_used", .number(99150)), ("total_credits", .number(100_000)),
                    ("threshold", .number(1000)),
                ]),
                job: .null, labels: [:])
        }
        if case .object(let members) = data { data = Event.data(members, query: query) }
        return Event(
            id: Event.makeID(jobId: jobId, type: type, key: "sample"), type: type, jobId: jobId, sequence: sequence,
            occurredAt: now, data: data, job: Event.jobSummary(snapshot), labels: labels)
    }

    static let completed = JobSnapshot(
        jobId: jobId, status: .completed, processed: 21815, bandsDone: 6, bandsTotal: 6, progressMessage: "completed",
        degraded: false,
        manifest: Manifest(
            pages: 219, pageSize: 100, uniqueCount: 21815, partial: false, degraded: false, ranked: true,
            stopReason: "exhausted", creditsConsumed: 21815))
}
