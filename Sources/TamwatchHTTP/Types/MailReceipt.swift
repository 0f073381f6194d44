/// The SMTP server took the message: its final reply code (250).
public struct MailReceipt: Sendable, Equatable {
    public var reply: Int
    public init(reply: Int) { self.reply = reply }
}
