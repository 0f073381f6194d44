import Foundation

/// One mailbox as RFC 5322 writes it: `ana@example.com` or `Ana Lima <ana@example.com>`.
/// Parsing is strict on what reaches the SMTP envelope and the headers: no control characters,
/// no second address, no angle brackets or quotes out of place, a dot-atom local part (or a
/// plain quoted string) and a host name or IP literal for the domain.
public struct EmailAddress: Sendable, Equatable, CustomStringConvertible {
    /// The display name, when one was given.
    public var name: String?
    /// `local@domain`, for `MAIL FROM` and `RCPT TO`.
    public var address: String

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            let display = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            let inner = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            guard Self.isAddrSpec(inner), Self.isDisplayName(display) else { return nil }
            var name = display
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            // Blanks around a quoted name say nothing: `" " <a@b.c>` has no name.
            name = name.trimmingCharacters(in: .whitespaces)
            self.name = name.isEmpty ? nil : name
            address = inner
        } else {
            guard Self.isAddrSpec(trimmed) else { return nil }
            name = nil
            address = trimmed
        }
    }

    /// For the `To` and `From` headers: the name quoted when it needs to be (RFC 2047-encoded
    /// when it is not ASCII), then the address in angle brackets.
    public var description: String {
        guard let name else { return address }
        if name.unicodeScalars.contains(where: { !$0.isASCII }) { return "\(MailHeader.encodedWord(name, folding: false)) <\(address)>" }
        let atomic = name.allSatisfy { $0 == " " || Self.isAtext($0) }
        return atomic ? "\(name) <\(address)>" : "\"\(name)\" <\(address)>"
    }

    // MARK: Grammar

    static func isAtext(_ c: Character) -> Bool {
        guard c.isASCII, let v = c.asciiValue else { return false }
        if (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) { return true }
        return "!#$%&'*+-/=?^_`{|}~".contains(c)
    }

    /// `dot-atom "@" domain`, or a quoted local part without quotes or backslashes inside.
    static func isAddrSpec(_ s: String) -> Bool {
        guard s.utf8.count <= 254, let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, local.utf8.count <= 64 else { return false }
        let localOK: Bool
        if local.count >= 2, local.hasPrefix("\""), local.hasSuffix("\"") {
            localOK = local.dropFirst().dropLast().allSatisfy { $0.isASCII && $0 != "\"" && $0 != "\\" }
        } else {
            localOK = isDotAtom(local)
        }
        return localOK && isDomain(domain)
    }

    static func isDotAtom(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    /// A host name (letters, digits, hyphens; labels of 1 to 63) or `[IPv4]` / `[IPv6:…]`.
    static func isDomain(_ s: Substring) -> Bool {
        if s.hasPrefix("["), s.hasSuffix("]") {
            return s.dropFirst().dropLast().allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" || "IPv".contains($0) }
        }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty
            && labels.allSatisfy { label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }

    /// Words (atoms) and spaces, or one quoted string without quotes or backslashes inside.
    static func isDisplayName(_ s: String) -> Bool {
        if s.isEmpty { return true }
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") {
            return s.dropFirst().dropLast().allSatisfy { $0 != "\"" && $0 != "\\" }
        }
        return s.allSatisfy { $0 == " " || isAtext($0) || !$0.isASCII || $0 == "." }
    }
}
