import Foundation
import TamwatchConfig
import TamwatchModel

extension Renderer {
    /// `attach: results`: the exported list goes with `job.results_ready`, or, past the
    /// channel's `max_attachment` (by the size the event gives), a line that says where it is.
    static func attachResults(_ event: Event, channel: ChannelConfig, to message: inout RenderedMessage) {
        guard event.type == .resultsReady, let results = event.data["results"], let path = results["path"]?.stringValue else { return }
        let bytes = results["bytes"]?.intValue ?? 0
        if bytes <= channel.maxAttachment {
            message.attachment = path
            return
        }
        let note =
            "The list (\(Self.size(bytes))) is larger than this channel's max_attachment (\(Self.size(channel.maxAttachment))), "
            + "so it is not attached; it is at \(path)."
        message.body += "\n" + note + "\n"
        if let html = message.html {
            let escaped = note.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            let paragraph = "<p>\(escaped)</p>"
            if let end = html.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
                message.html = html.replacingCharacters(in: end, with: paragraph + "</body>")
            } else {
                message.html = html + paragraph
            }
        }
    }

    /// What an email that carries the list says instead of a path on the server: the file's
    /// name, rows and size. Nil when it is not attached (another event, too large).
    static func attachedNote(_ event: Event, channel: ChannelConfig) -> String? {
        guard channel.attachResults, event.type == .resultsReady, let results = event.data["results"],
            let path = results["path"]?.stringValue, let bytes = results["bytes"]?.intValue, bytes <= channel.maxAttachment
        else { return nil }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let rows = results["rows"]?.intValue.map { "\(EventText.count($0)) rows, " } ?? ""
        return "The whole list is attached: \(name) (\(rows)\(size(bytes)))."
    }

    /// `6.6 MB`, `512 KB`, `900 bytes`.
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 { return String(format: "%.1f MB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return "\(bytes >> 10) KB" }
        return "\(bytes) bytes"
    }
}
