/// The jobs waiting for their next look, earliest first: a binary min-heap of (time, job).
struct WakeQueue {
    private var heap: [(at: Duration, order: UInt64, job: Int)] = []
    private var counter: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    /// When the earliest job is due.
    var next: Duration? { heap.first?.at }

    mutating func insert(_ job: Int, at: Duration) {
        counter += 1
        heap.append((at, counter, job))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// The earliest job, if it is due by `now`.
    mutating func popDue(_ now: Duration) -> Int? {
        guard let first = heap.first, first.at <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, Self.less(heap[l], heap[m]) { m = l }
                if r < heap.count, Self.less(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first.job
    }

    /// Earlier first; among equal times, first come first served.
    private static func less(_ a: (at: Duration, order: UInt64, job: Int), _ b: (at: Duration, order: UInt64, job: Int)) -> Bool {
        a.at < b.at || (a.at == b.at && a.order < b.order)
    }
}
