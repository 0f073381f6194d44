import Logging
import TamwatchModel

/// Wraps a log handler so that every message reaches it redacted (`Redaction.current`) and with
/// control characters shown escaped: a log line says what happened, never a secret, and text
/// from outside cannot rewrite the terminal.
public struct SafeLogHandler: LogHandler {
    private var inner: any LogHandler

    public init(wrapping inner: any LogHandler) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(TerminalText.safe(Redaction.redact(event.message.description)))"
        inner.log(event: event)
    }
}
