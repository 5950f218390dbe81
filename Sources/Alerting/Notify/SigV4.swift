package import Crypto
internal import Foundation

/// AWS Signature Version 4 for a request with a body and no query (what SNS's query API
/// needs): the canonical request over the given headers, the string to sign, the derived
/// key, and the `Authorization` header.
package struct SigV4: Sendable {
    package var accessKey: String
    package var secretKey: String
    package var region: String
    package var service: String

    package init(accessKey: String, secretKey: String, region: String, service: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    /// The `Authorization` header for `method path` with `headers` (all of them signed; they
    /// must include `host` and `x-amz-date`) and `body`, signed at `amzDate` (`20150830T123600Z`).
    package func authorization(method: String, path: String, query: String = "", headers: [(String, String)], body: [UInt8], amzDate: String) -> String {
        let canonicalHeaders = headers.map { ($0.0.lowercased(), Self.trimmed($0.1)) }.sorted { $0.0 < $1.0 }
        let signedHeaders = canonicalHeaders.map(\.0).joined(separator: ";")
        let canonicalRequest = [
            method, path.isEmpty ? "/" : path, query,
            canonicalHeaders.map { "\($0.0):\($0.1)\n" }.joined(), signedHeaders, Self.hex(SHA256.hash(data: body)),
        ].joined(separator: "\n")
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data(("AWS4" + secretKey).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
        return "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// `YYYYMMDDTHHMMSSZ` of a Unix time in milliseconds.
    package static func amzDate(ms: Int64) -> String {
        let stamp = WebhookMessage.goTime(ms / 1000 * 1000)
        return stamp.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// Header values with surrounding space trimmed and inner runs of spaces folded.
    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
