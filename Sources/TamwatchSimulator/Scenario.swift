import Foundation
import TamwatchModel
import Yams

/// How a simulated build plays out: its bands, its pace, and what goes wrong on the way.
/// Scenarios are YAML files under `config/scenarios/`.
public struct Scenario: Sendable, Equatable {
    public struct Band: Sendable, Equatable {
        public var label: String
        public var companies: Int
        /// This band's own length, instead of `band_duration`.
        public var duration: Duration?

        public init(label: String, companies: Int, duration: Duration? = nil) {
            self.label = label
            self.companies = companies
            self.duration = duration
        }
    }

    /// A canned answer to the nth poll of a job, instead of the real one.
    public struct Fault: Sendable, Equatable {
        /// The nth poll of the job without a cursor (0 when the fault is a page's).
        public var poll: Int
        /// Or the first read of this page (`page_NNNN`) by cursor.
        public var page: Int? = nil
        public var status: Int
        public var retryAfter: Int?
        public var malformed: Bool
    }

    public var name: String
    public var description: String
    public var bands: [Band]
    /// Simulated time spent `pending` before the build starts.
    public var pending: Duration
    /// Simulated time per band.
    public var bandDuration: Duration
    /// Sub-processes per band; `processed` advances as each finishes.
    public var stepsPerBand: Int
    public var degradedAtBand: Int?
    public var failAtBand: Int?
    public var errorMessage: String
    public var cancelAtBand: Int?
    public var pauseAtBand: Int?
    /// How long an automatic pause lasts before the build resumes by itself; nil: until resumed.
    public var resumeAfter: Duration?
    public var faults: [Fault]
    /// Simulated seconds per real second.
    public var speed: Double

    /// How long one sub-process of band `index` (0-based) takes.
    public func stepDuration(band index: Int) -> Duration {
        let band = index < bands.count ? bands[index].duration ?? bandDuration : bandDuration
        return band / stepsPerBand
    }

    /// The six-band build that completes, used when no scenario is named.
    public static let standard = Scenario(
        name: "normal", description: "A six-band build that completes.",
        bands: [
            Band(label: "1-10", companies: 2150), Band(label: "11-50", companies: 5120),
            Band(label: "51-200", companies: 6040), Band(label: "201-1000", companies: 4870),
            Band(label: "1001-5000", companies: 2310), Band(label: "5001+", companies: 1325),
        ],
        pending: .seconds(4), bandDuration: .seconds(20), stepsPerBand: 4, degradedAtBand: nil, failAtBand: nil,
        errorMessage: "sub process failed", cancelAtBand: nil, pauseAtBand: nil, resumeAfter: nil, faults: [], speed: 1)

    public var totalCompanies: Int { bands.reduce(0) { $0 + $1.companies } }
}
extension Scenario {
    /// Loads a scenario file. Unknown keys and bad values are errors naming the key.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(file: path, message: "cannot read the scenario file")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(ScenarioError) -> Scenario {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ScenarioError(file: file, message: "invalid YAML: \(error)")
        }
        guard case .mapping(let root)? = node else { throw ScenarioError(file: file, message: "expected a mapping") }
        var s = Scenario.standard
        s.name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        func fail(_ key: String, _ node: Node, _ why: String) -> ScenarioError {
            ScenarioError(file: file, message: "line \(node.mark?.line ?? 0): \(key): \(why)")
        }
        func duration(_ key: String, _ v: Node) throws(ScenarioError) -> Duration {
            guard let t = v.string, let d = DurationText.parse(t) else { throw fail(key, v, "expected a duration like 20s") }
            return d
        }
        func int(_ key: String, _ v: Node) throws(ScenarioError) -> Int {
            guard let t = v.string, let i = Int(t), i >= 0 else { throw fail(key, v, "expected a whole number") }
            return i
        }
        for (k, v) in root {
            let key = k.string ?? "?"
            switch key {
            case "name": s.name = v.string ?? s.name
            case "description": s.description = v.string ?? ""
            case "bands":
                guard case .sequence(let seq) = v, !seq.isEmpty else { throw fail(key, v, "expected a non-empty list of bands") }
                s.bands = []
                for item in seq {
                    guard case .mapping(let m) = item, let label = m["label"]?.string, let companies = m["companies"] else {
                        throw fail(key, item, "each band needs a label and companies")
                    }
                    s.bands.append(
                        Band(
                            label: label, companies: try int("companies", companies),
                            duration: try m["duration"].map { n throws(ScenarioError) in try duration("duration", n) }))
                }
            case "pending": s.pending = try duration(key, v)
            case "band_duration": s.bandDuration = try duration(key, v)
            case "steps_per_band": s.stepsPerBand = max(1, try int(key, v))
            case "degraded_at_band": s.degradedAtBand = try int(key, v)
            case "fail_at_band": s.failAtBand = try int(key, v)
            case "error_message": s.errorMessage = v.string ?? s.errorMessage
            case "cancel_at_band": s.cancelAtBand = try int(key, v)
            case "pause_at_band": s.pauseAtBand = try int(key, v)
            case "resume_after": s.resumeAfter = try duration(key, v)
            case "speed":
                guard let t = v.string, let d = Double(t), d > 0 else { throw fail(key, v, "expected a positive number") }
                s.speed = d
            case "faults":
                guard case .sequence(let seq) = v else { throw fail(key, v, "expected a list") }
                s.faults = []
                for item in seq {
                    guard case .mapping(let m) = item, m["poll"] != nil || m["page"] != nil else {
                        throw fail(key, item, "each fault needs poll: N (the nth poll) or page: N (the first read of page_N)")
                    }
                    s.faults.append(
                        Fault(
                            poll: try m["poll"].map { n throws(ScenarioError) in try int("poll", n) } ?? 0,
                            page: try m["page"].map { n throws(ScenarioError) in try int("page", n) },
                            status: try m["status"].map { n throws(ScenarioError) in try int("status", n) } ?? 200,
                            retryAfter: try m["retry_after"].map { n throws(ScenarioError) in try int("retry_after", n) },
                            malformed: m["malformed"]?.string == "true"))
                }
            default:
                throw fail(
                    key, k,
                    "unknown key (expected: name, description, bands, pending, band_duration, steps_per_band, degraded_at_band, fail_at_band, error_message, cancel_at_band, pause_at_band, resume_after, faults, speed)"
                )
            }
        }
        return s
    }

    /// Loads every `*.yaml` in a folder, keyed by scenario name.
    public static func loadAll(directory: String) throws(ScenarioError) -> [String: Scenario] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var out: [String: Scenario] = [:]
        for f in files.sorted() where f.hasSuffix(".yaml") || f.hasSuffix(".yml") {
            let s = try load(path: URL(fileURLWithPath: directory).appendingPathComponent(f).path)
            out[s.name] = s
        }
        return out
    }
}
