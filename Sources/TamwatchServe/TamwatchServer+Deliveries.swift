import Foundation
import HTTPTypes
import Hummingbird
import TamwatchApp
import TamwatchDelivery
import TamwatchModel
import TamwatchStore

extension TamwatchServer {
    func listDeliveries(_ request: Request) async throws -> Response {
        let q = ListQuery(request: request)
        let limit = try q.limit()
        var status: StoredDelivery.Status?
        if let text = q.given("status") {
            guard let s = StoredDelivery.Status(rawValue: text) else {
                throw Problem.badRequest("status", "expected pending, sent or dead")
            }
            status = s
        }
        let page = try await DeliveryListing.page(
            store, status: status, jobId: q.string("job_id"), channel: q.string("channel"), before: try q.cursor(), limit: limit)
        return JSONBody.page(page.json, next: page.next)
    }

    func getDelivery(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let delivery = try await store.delivery(id: id) else { throw Problem.notFound("no delivery \(id)") }
        let query = try await store.queries(jobIds: [delivery.delivery.jobId]).values.first
        return JSONBody.response(delivery.json(query: query, attempts: try await store.attempts(deliveryId: id)))
    }

    /// Queues a delivery again as `Replay` says (its channel enabled again if it was disabled):
    /// 202. One being sent right now is a 409; one whose channel is no longer configured, a 409.
    func replay(_ context: some RequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let found = try await store.delivery(id: id) else { throw Problem.notFound("no delivery \(id)") }
        let queued: [String]
        do {
            queued = try await Replay.queue(
                [found], configured: Set(options.channels.all.map(\.name)), store: store, at: clock.now(), dispatcher: dispatcher)
        } catch let error as Replay.NotConfigured {
            throw Problem(.conflict, "Conflict", detail: error.description)
        }
        guard !queued.isEmpty else {
            throw Problem(.conflict, "Conflict", detail: "delivery \(id) is being sent right now; try again when it settles")
        }
        dispatcher.wake()
        logger.info("delivery \(id) queued again (replay through the API)")
        guard let delivery = try await store.delivery(id: id) else { throw Problem.notFound("no delivery \(id)") }
        let query = try await store.queries(jobIds: [delivery.delivery.jobId]).values.first
        return JSONBody.response(delivery.json(query: query), status: .accepted)
    }
}
