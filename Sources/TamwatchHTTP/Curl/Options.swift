import CCurl
import CCurlShims
import Foundation
import Synchronization

/// Sets options on one easy handle, keeping the first one libcurl refused: a transfer with an
/// option missing is failed, never started half-configured.
struct Options {
    let easy: UnsafeMutableRawPointer
    var failure: TransportError?

    init(_ easy: UnsafeMutableRawPointer) { self.easy = easy }

    /// `what` is built only when libcurl refused: this runs a dozen times per transfer.
    mutating func check(_ code: CURLcode, _ what: @autoclosure () -> String) {
        guard code != CURLE_OK, failure == nil else { return }
        failure = .other(code: Int(code.rawValue), message: "libcurl refused \(what()): \(String(cString: curl_easy_strerror(code)))")
    }

    mutating func set(_ option: CURLoption, _ value: Int) { check(tw_easy_setopt_long(easy, option, value), "option \(option.rawValue)") }
    mutating func set(_ option: CURLoption, _ value: String) {
        check(tw_easy_setopt_string(easy, option, value), "option \(option.rawValue)")
    }
    mutating func set(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) {
        check(tw_easy_setopt_ptr(easy, option, value), "option \(option.rawValue)")
    }
}
