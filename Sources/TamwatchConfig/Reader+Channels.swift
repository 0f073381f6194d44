import Foundation
import TamwatchModel
import Yams

extension Reader {
    mutating func readChannels(_ node: Node, baseDirectory: String) -> [ChannelConfig] {
        var out: [ChannelConfig] = []
        for (name, keyNode, value) in mapping(node, "channels", allowed: []) {
            let key = "channels.\(name)"
            let common: Set<String> = ["type", "url", "retry", "ca_file", "concurrency", "rate_limit", "timeout", "ordered"]
            let pairs = mapping(value, key, allowed: [])
            guard let typeNode = pairs.first(where: { $0.0 == "type" })?.2 else {
                fail(value, "\(key).type", "missing (one of: \(ChannelType.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            guard let typeName = string(typeNode, "\(key).type") else { continue }
            guard let type = ChannelType(rawValue: typeName) else {
                fail(
                    typeNode, "\(key).type",
                    "unknown channel type '\(typeName)' (one of: \(ChannelType.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            let extra: Set<String>
            switch type {
            case .webhook: extra = ["secret", "headers", "retry_statuses"]
            case .email: extra = ["from", "to", "username", "password", "starttls", "attach", "max_attachment"]
            default: extra = []
            }
            var channel = ChannelConfig(name: name, type: type, url: "", line: keyNode.mark?.line)
            var sawURL = false
            for (k, kNode, v) in pairs {
                let path = "\(key).\(k)"
                guard common.contains(k) || extra.contains(k) else {
                    fail(
                        kNode, path,
                        "unknown key for a \(type.rawValue) channel (expected one of: \(common.union(extra).sorted().joined(separator: ", ")))"
                    )
                    continue
                }
                switch k {
                case "url":
                    sawURL = true
                    guard let url = string(v, path) else { continue }
                    let schemes = type == .email ? ["smtp://", "smtps://"] : ["http://", "https://"]
                    if let problem = URLCheck.problem(url, schemes: schemes) { fail(v, path, problem) } else { channel.url = url }
                case "retry":
                    guard case .sequence(let seq) = v else { fail(v, path, "expected a list of durations, like [5s, 5m, 30m]"); continue }
                    channel.retry = seq.compactMap { duration($0, path) }
                case "ca_file":
                    guard let file = string(v, path) else { continue }
                    // Relative to the configuration file, as state.path is.
                    let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
                    if let problem = CertificateFile.problem(resolved) { fail(v, path, problem) } else { channel.caFile = resolved }
                case "concurrency": channel.concurrency = positiveInt(v, path)
                case "ordered": channel.ordered = bool(v, path)
                case "rate_limit":
                    guard let text = string(v, path) else { continue }
                    if let limit = RateLimit.parse(text) {
                        channel.rateLimit = limit
                    } else {
                        fail(v, path, "'\(text)' is not a rate like 10/s, 1/s or 30/m")
                    }
                case "timeout": channel.timeout = duration(v, path, min: .milliseconds(100))
                case "retry_statuses":
                    for text in strings(v, path) ?? [] {
                        if let code = Int(text), (400..<500).contains(code) {
                            channel.retryStatuses.insert(code)
                        } else {
                            fail(v, path, "'\(text)' is not a 4xx status (5xx, 408, 425 and 429 are always retried)")
                        }
                    }
                case "secret":
                    let secrets = strings(v, path) ?? []
                    for secret in secrets {
                        do { _ = try WebhookSecret.key(secret) } catch {
                            fail(v, path, "\(error) (the value is not shown)")
                        }
                    }
                    channel.secrets = secrets
                case "headers":
                    for (h, hNode, hv) in mapping(v, path, allowed: []) {
                        guard !h.isEmpty, h.utf8.allSatisfy(HTTPHeader.isTokenByte) else {
                            fail(hNode, "\(path).\(h)", "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
                            continue
                        }
                        guard let value = string(hv, "\(path).\(h)") else { continue }
                        // Checked after ${VAR} expansion: a variable cannot smuggle in a second header.
                        if HTTPHeader.isValidValue(value) {
                            channel.headers.append(HTTPHeader(h, value))
                        } else {
                            fail(
                                hv, "\(path).\(h)",
                                "a header value is one line: no CR, LF or other control characters (the value is not shown)")
                        }
                    }
                case "from":
                    guard let from = string(v, path) else { continue }
                    if EmailAddress(from) != nil {
                        channel.from = from
                    } else {
                        fail(v, path, "not an email address (write tam@example.com or \"tamwatch <tam@example.com>\")")
                    }
                case "to":
                    channel.to = strings(v, path) ?? []
                    for entry in channel.to where !entry.contains("{{") && EmailAddress(entry) == nil {
                        fail(v, path, "'\(TerminalText.safe(entry))' is not an email address")
                    }
                case "username", "password":
                    guard let value = string(v, path) else { continue }
                    if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                        fail(v, path, "holds a control character (the value is not shown)")
                    } else if k == "username" {
                        channel.username = value
                    } else {
                        channel.password = value
                    }
                case "attach":
                    switch string(v, path) {
                    case "results"?: channel.attachResults = true
                    case "none"?: channel.attachResults = false
                    case let other?:
                        fail(v, path, "'\(other)' is not results or none (results attaches the exported list to job.results_ready)")
                    case nil: break
                    }
                case "max_attachment":
                    guard let text = string(v, path) else { continue }
                    if let bytes = ByteSize.parse(text) { channel.maxAttachment = bytes } else { fail(v, path, ByteSize.problem(text)) }
                case "starttls":
                    switch string(v, path) {
                    case "required"?: channel.startTLS = true
                    case "off"?: channel.startTLS = false
                    case let other?: fail(v, path, "'\(other)' is not required or off")
                    case nil: break
                    }
                default: break
                }
            }
            if !sawURL { fail(keyNode, "\(key).url", "missing") }
            if type == .email {
                if !pairs.contains(where: { $0.0 == "from" }) { fail(keyNode, "\(key).from", "missing (the sender address)") }
                if channel.to.isEmpty { fail(keyNode, "\(key).to", "missing (one or more recipients)") }
            }
            out.append(channel)
        }
        return out
    }
}
