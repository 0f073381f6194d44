import Hummingbird
import NIOCore

/// The response writer, handed to the task that streams (the writer is a value the body
/// closure holds `inout`, which a child task cannot capture). One task writes at a time.
final class WriterBox: @unchecked Sendable {
    var writer: any ResponseBodyWriter
    init(_ writer: any ResponseBodyWriter) { self.writer = writer }

    func write(_ bytes: ByteBuffer) async throws { try await writer.write(bytes) }
}
