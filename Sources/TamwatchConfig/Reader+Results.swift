import Foundation
import TamwatchModel
import Yams

extension Reader {
    mutating func readResults(_ node: Node, _ results: inout TamwatchConfig.Results, baseDirectory: String) {
        for (k, _, v) in mapping(node, "results", allowed: ["top", "dir", "format"]) {
            let key = "results.\(k)"
            switch k {
            case "top":
                guard case .scalar(let text) = v, let n = Int(text.string), (0...100).contains(n) else {
                    fail(v, key, "expected a whole number from 0 to 100 (rows of the final page in job.terminal)")
                    continue
                }
                results.top = n
            case "dir":
                guard let path = string(v, key) else { continue }
                if path.isEmpty {
                    fail(v, key, "empty (a folder for exported lists, like results/)")
                } else {
                    results.dir = path.hasPrefix("/") ? path : URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).path
                }
            default:
                guard let format = string(v, key) else { continue }
                if ["csv", "ndjson"].contains(format) { results.format = format } else { fail(v, key, "'\(format)' is not csv or ndjson") }
            }
        }
    }

    mutating func readGuard(_ node: Node, _ creditGuard: inout TamwatchConfig.Guard) {
        for (k, _, v) in mapping(node, "guard", allowed: ["max_credits", "warn_at", "action", "min_balance"]) {
            let key = "guard.\(k)"
            switch k {
            case "max_credits": if let n = positiveInt(v, key, max: CreditBudget.largestBudget) { creditGuard.maxCredits = n }
            case "warn_at":
                guard case .scalar(let text) = v, let share = Double(text.string), share > 0, share <= 1 else {
                    fail(v, key, "expected a share of max_credits above 0 and at most 1, like 0.8")
                    continue
                }
                creditGuard.warnAt = share
            case "action":
                guard let text = string(v, key) else { continue }
                if let action = CreditBudget.Action(rawValue: text) {
                    creditGuard.action = action
                } else {
                    fail(v, key, "'\(text)' is not pause, cancel or notify")
                }
            default:
                guard case .scalar(let text) = v, let floor = Double(text.string), floor >= 0, floor <= 1e12 else {
                    fail(v, key, "expected a number of credits from 0 to 1000000000000")
                    continue
                }
                creditGuard.minBalance = floor
            }
        }
    }
}
