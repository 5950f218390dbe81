package import Hummingbird
import Model

/// An API request's parameters: the URL query merged with an
/// `application/x-www-form-urlencoded` body, body values first (Go's `Request.Form`), and
/// the typed readings of them the Prometheus API does (`parseTime`, `parseDuration`).
package struct RequestParameters: Sendable {
    private var values: [String: [String]] = [:]

    /// The parameters of `query` (a raw query string) and, if given, a form `body`.
    package init(query: String, body: [UInt8] = []) {
        for (name, value) in Self.decodeForm(body) { values[name, default: []].append(value) }
        for (name, value) in Self.decodeForm(Array(query.utf8)) { values[name, default: []].append(value) }
    }

    /// Reads a request's parameters, its form body included when it has one.
    ///
    /// - Throws: `APIError.badData` (413) when the body exceeds `bodyLimit` bytes, naming the flag.
    package static func read(_ request: Request, bodyLimit: Int) async throws(APIError) -> RequestParameters {
        let query = request.uri.query ?? ""
        guard request.method == .post,
              let type = request.headers[.contentType], type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        else { return RequestParameters(query: query) }
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: bodyLimit)
            return RequestParameters(query: query, body: Array(buffer.readableBytesView))
        } catch {
            throw APIError(.badData, "request body larger than \(bodyLimit) bytes (raise it with --web.max-request-body-bytes)",
                           status: .contentTooLarge)
        }
    }

    /// The first value of `name`, or `nil` if absent.
    package subscript(_ name: String) -> String? { values[name]?.first }

    /// Every value of `name` (for `match[]`).
    package func all(_ name: String) -> [String] { values[name] ?? [] }

    /// A timestamp parameter in milliseconds: Unix seconds with a fraction, or RFC 3339;
    /// `defaultValue` when absent.
    package func time(_ name: String, default defaultValue: Int64) throws(APIError) -> Int64 {
        guard let text = self[name], !text.isEmpty else { return defaultValue }
        guard let t = Self.parseTime(text) else {
            throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
        }
        return t
    }

    /// A `start`/`end` of the metadata, exemplar and admin endpoints: as `time(_:default:)`, with
    /// the wording of Prometheus's `parseTimeParam` ("Invalid time value for 'start': …").
    package func timeParameter(_ name: String, default defaultValue: Int64) throws(APIError) -> Int64 {
        do {
            return try time(name, default: defaultValue)
        } catch {
            throw APIError(.badData, "invalid parameter \"\(name)\": Invalid time value for '\(name)': cannot parse \"\(self[name] ?? "")\" to a valid timestamp")
        }
    }

    /// A duration parameter in milliseconds: seconds with a fraction or a Prometheus duration.
    package func duration(_ name: String) throws(APIError) -> Int64? {
        guard let text = self[name], !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite || seconds.isNaN {
            let ms = seconds * 1000
            guard ms.isFinite, abs(ms) < 9.2e15 else {
                throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration. It overflows int64")
            }
            return Int64(ms.rounded(.towardZero))
        }
        guard let d = try? PrometheusDuration.parse(text) else {
            throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration")
        }
        return d.wholeMilliseconds
    }

    /// A non-negative integer parameter such as `limit`; `0` when absent.
    package func limit(_ name: String = "limit") throws(APIError) -> Int {
        guard let text = self[name], !text.isEmpty else { return 0 }
        guard let n = Int(text), n >= 0 else {
            throw APIError(.badData, "invalid parameter \"\(name)\": limit must be a non-negative integer, got \"\(text)\"")
        }
        return n
    }

    /// The earliest and latest timestamps Prometheus's API accepts (`v1.MinTime`/`MaxTime`).
    package static let minTime: Int64 = -9_223_309_901_257_974
    package static let maxTime: Int64 = 9_223_309_901_257_974

    /// Milliseconds for a time parameter as Prometheus's `parseTime` reads it.
    package static func parseTime(_ text: String) -> Int64? {
        if let seconds = Double(text) {
            guard seconds.isFinite else { return nil }
            let whole = seconds.rounded(.towardZero)
            let fraction = ((seconds - whole) * 1000).rounded()
            guard abs(whole) < 9.2e15 else { return nil }
            return Int64(whole) * 1000 + Int64(fraction)
        }
        if let t = RFC3339.milliseconds(text) { return t }
        switch text {
        case "-292273086-05-16T16:47:06Z": return minTime
        case "292277025-08-18T07:12:54.999999999Z": return maxTime
        default: return nil
        }
    }

    /// `name=value` pairs of a URL-encoded form, `+` as space and `%XX` decoded.
    private static func decodeForm(_ bytes: [UInt8]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for field in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = field.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    private static func unescape(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "+") {
                out.append(0x20)
            } else if b == UInt8(ascii: "%"), i + 2 < bytes.endIndex,
                      let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}
