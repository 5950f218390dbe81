internal import Crypto

extension String {
    /// The SHA-256 of the UTF-8 bytes in lowercase hex (Go's `hex.EncodeToString(sha256.Sum256(…))`),
    /// e.g. the rules API's `groupNextToken`.
    package var sha256Hex: String {
        SHA256.hash(data: Array(utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }
}
