import ArgumentParser
import Foundation
import TamwatchApp
import TamwatchConsole
import TamwatchModel
import TamwatchStore

struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List deliveries in the outbox: status, attempts, last answer and error.",
        discussion: "Ids may be shortened to any unique prefix in tamwatch replay."
    )

    @Option(name: .long, help: "Only this status: pending, sent or dead.")
    var status: StoredDelivery.Status?

    @Option(name: .long, help: "Only deliveries for this job.")
    var job: String?

    @Option(name: .long, help: "Only deliveries to this channel.")
    var channel: String?

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "text (a table) or ndjson (one JSON object per delivery).")
    var output: Console.Format = .text

    @Option(name: .long, help: "At most this many (1 to \(DeliveryListing.maxLimit)), newest first.")
    var limit: Int = 100

    @Option(name: .long, help: "Only those older than this cursor (the one the page before ends with).")
    var before: String?

    func validate() throws {
        guard (1...DeliveryListing.maxLimit).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(DeliveryListing.maxLimit) (got \(limit))")
        }
        if let before, Cursor.decode(before) == nil {
            throw ValidationError("--before '\(before)' is not a cursor (they look like c2n9c: the one a page ends with)")
        }
    }

    func run() async throws {
        let config = try options.load()
        let store = try options.existingStore(config, readOnly: true)
        let page = try await DeliveryListing.page(
            store, status: status, jobId: job, channel: channel, before: before.flatMap(Cursor.decode), limit: limit)
        let list = page.deliveries
        if let next = page.next { printError("older deliveries: add --before \(next)") }
        switch output {
        case .ndjson:
            var out = ""
            for d in page.json { d.write(into: &out); out += "\n" }
            StandardStream.output.write(out)
        case .text:
            if list.isEmpty {
                printError("no deliveries\(status.map { " with status \($0.rawValue)" } ?? "")\(job.map { " for job \($0)" } ?? "")")
            } else {
                StandardStream.output.write(DeliveryText.table(list, now: Date(), kinds: DeliveryText.kinds(config), queries: page.queries))
            }
            if let note = PruneText.note(try await store.pruned(), retention: config.retention) { printError(note) }
        }
    }
}
extension StoredDelivery.Status: ExpressibleByArgument {}
