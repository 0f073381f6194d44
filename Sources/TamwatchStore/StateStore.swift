/// Everything tamwatch keeps: the event log and the outbox, in one store so that a poll's
/// events and the deliveries they cause are committed together, what it may forget, and what
/// `tamwatch serve` follows and shows (watches, the event feed, the delivery log).
/// `SQLiteStore` (a file) and `PostgresStore` (a database replicas share) implement it; the
/// store conformance tests hold both to the same rules.
public typealias StateStore = EventLog & Outbox & Pruning & WatchRegistry & EventFeed & DeliveryLog
