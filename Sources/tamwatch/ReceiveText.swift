import TamwatchModel
import TamwatchReceiver
import TamwatchRules

enum ReceiveText {
    /// `✓ signed  job.band_completed  evt_1a2b…  TAM build 8a8e8a97: band 3/6 completed`
    static func line(_ r: ReceivedWebhook) -> String {
        let mark: String
        switch r.verified {
        case true?: mark = "✓ signature ok"
        case false?: mark = "✗ \(r.failure ?? "bad signature")"
        case nil: mark = "· unsigned"
        }
        var line = "\(mark)  \(r.eventType ?? "?")  \(r.id ?? "(no webhook-id)")"
        if r.duplicate { line += "  (duplicate)" }
        if let json = try? JSONValue.parse(bytes: r.body), let event = Event(json: json) { line += "  " + Renderer.headline(event) }
        return line
    }
}
