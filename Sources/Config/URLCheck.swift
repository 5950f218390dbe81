internal import Foundation

/// The little URL checking the config needs: Go's `url.Parse` accepts almost anything, so only
/// the scheme and host are pulled out, for the sections that require them.
enum URLCheck {
    /// The scheme and host of `text`, or `nil` if it is not a URL at all.
    static func parse(_ text: String) -> (scheme: String, host: String)? {
        guard !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }),
            let components = URLComponents(string: text)
        else { return nil }
        return (components.scheme ?? "", components.host ?? "")
    }
}
