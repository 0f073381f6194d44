import Foundation
import TamwatchModel

/// An event of a given type at a given second, with a job summary templates can read.
public func sampleEvent(
    _ type: EventType, at second: Double = 0, sequence: Int = 1, key: String = "k",
    labels: [String: String] = ["owner": "ana@example.com"], data: JSONValue? = nil
) -> Event {
    Event(
        id: Event.makeID(jobId: "job-1", type: type, key: "\(key)-\(sequence)"), type: type, jobId: "8a8e8a97-job-1",
        sequence: sequence, occurredAt: Date(timeIntervalSince1970: 1_800_000_000 + second),
        data: data ?? .object([("band", .int(3)), ("bands_done", .int(3)), ("bands_total", .int(6)), ("processed", .int(9120))]),
        job: .object([
            ("status", .string("running")), ("processed", .int(9120)), ("bands_done", .int(3)),
            ("bands_total", .int(6)), ("degraded", .bool(false)),
            ("progress_message", .string("band 201-1000: \"validating\" 5000")), ("manifest", .null),
        ]),
        labels: labels)
}
