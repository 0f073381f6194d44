import Foundation
import TamwatchConfig
import TamwatchHTTP
import TamwatchModel

extension ChannelConfig {
    /// A request to this channel with its timeout (connect at most 10 s) and CA file. The
    /// transport adds the User-Agent.
    /// Of the answer, the first 64 KiB are read (for the log and the classification); the rest
    /// is discarded as it arrives.
    func request(method: String = "POST", url: String? = nil, headers: [HTTPHeader] = [], body: [UInt8]? = nil) -> HTTPRequest {
        var request = HTTPRequest(
            method: method, url: url ?? self.url, headers: headers, body: body,
            connectTimeout: min(.seconds(10), effectiveTimeout), timeout: effectiveTimeout, caFile: caFile)
        request.responseLimit = .keep(firstBytes: ResponseLimit.answerDefault)
        return request
    }
}
