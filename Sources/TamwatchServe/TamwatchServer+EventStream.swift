import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import TamwatchHub
import TamwatchModel
import TamwatchStore

extension TamwatchServer {
    /// `GET /api/v1/events`: Server-Sent Events. Each committed event as `id` (its store cursor),
    /// `event` (its type) and `data` (the envelope on one line). `Last-Event-ID` or `since`
    /// resumes after that cursor, reading the gap from the store: nothing missed, nothing
    /// repeated.
    func eventStream(_ request: Request) async throws -> Response {
        let q = ListQuery(request: request)
        var filter = EventFilter(jobId: q.string("job_id"), labels: try q.labels())
        if let jobId = filter.jobId, let problem = JobID.problem(jobId) { throw Problem.badRequest("job_id", problem) }
        filter.types = q.all("type").flatMap { $0.split(separator: ",").map(String.init) }
        if let bad = filter.types.first(where: { EventFields.selected(by: [$0]).isEmpty }) {
            throw Problem.badRequest("type", "'\(bad)' is not an event type or a glob like job.*")
        }
        let after = try q.resumeAfter(lastEventID: request.headers[HTTPField.Name("Last-Event-ID")!])
        let hub = self.hub
        let store = self.store
        let (wanted, resumeAfter) = (filter, after)
        let logger = self.logger
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                let sub = hub.subscribe(wanted)
                defer { hub.unsubscribe(sub.id) }
                logger.debug("an event stream client connected")
                let box = WriterBox(writer)
                let done = Atomic<Bool>(false)
                // The writes run in a task of their own: a client that stops reading blocks a
                // write until the connection closes, and only leaving this closure (with an
                // error) closes it. The task ends then.
                let streaming = Task {
                    defer {
                        done.store(true, ordering: .sequentiallyConsistent)
                        sub.gone.signal()
                    }
                    try await Self.stream(sub, after: resumeAfter, filter: wanted, store: store, into: box)
                }
                try await request.body.consumeWithInboundCloseHandler { _ in
                    await sub.gone.wait()
                } onInboundClosed: {
                    hub.unsubscribe(sub.id)
                }
                guard done.load(ordering: .sequentiallyConsistent) else {
                    streaming.cancel()
                    logger.debug("closing an event stream whose client stopped reading or left")
                    throw StreamDropped()
                }
                do { try await streaming.value } catch {
                    logger.debug("event stream client left: \(error)")
                    throw error
                }
                writer = box.writer
                try await writer.finish(nil)
            })
    }

    private static func stream(_ sub: EventHub.Subscription, after: Int64?, filter: EventFilter, store: any EventFeed, into box: WriterBox)
        async throws
    {
        try await box.write(ByteBuffer(string: "retry: 3000\n\n"))
        var last = after ?? sub.seenUpTo
        if let after, after > sub.seenUpTo, try await after > store.lastEventCursor() {
            // A cursor this store never gave out (its state was lost or replaced): the client is
            // told to start over, from the newest event there is, instead of waiting forever.
            let reset = JSONValue.object([
                ("reason", .string("unknown cursor")), ("last_event_id", .int(after)), ("cursor", .int(sub.seenUpTo)),
            ])
            try await box.write(ByteBuffer(string: "id: \(sub.seenUpTo)\nevent: reset\ndata: \(reset.serialized())\n\n"))
            last = sub.seenUpTo
        }
        // The gap: committed after `after` but before this client subscribed.
        if let after, after < sub.seenUpTo {
            var cursor = after
            while cursor < sub.seenUpTo {
                let batch = try await store.events(after: cursor, limit: 500)
                guard !batch.isEmpty else { break }
                for e in batch where e.cursor <= sub.seenUpTo {
                    if filter.matches(e.event) { try await box.write(EventHub.frame(cursor: e.cursor, event: e.event)) }
                    last = e.cursor
                }
                cursor = batch[batch.count - 1].cursor
            }
        }
        for await item in sub.stream {
            switch item {
            case .events(let frames):
                if frames.cursors.first ?? 0 > last {
                    try await box.write(frames.bytes)
                } else {
                    // A client that resumed from a cursor the hub had not reached yet.
                    for (cursor, bytes) in zip(frames.cursors, frames.each) where cursor > last { try await box.write(bytes) }
                }
                last = max(last, frames.cursors.last ?? last)
                sub.backlog.written(frames.cursors.count)
            case .ping:
                try await box.write(ByteBuffer(string: ": ping\n\n"))
                sub.backlog.written(1)
            case .shutdown:
                try await box.write(ByteBuffer(string: "event: shutdown\ndata: {}\n\n"))
                return
            }
        }
    }
}
