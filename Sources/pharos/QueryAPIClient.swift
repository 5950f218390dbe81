import AsyncHTTPClient
import Exposition
import Foundation
import Model
import NIOCore
import NIOHTTP1
import Server

/// The client side of the Prometheus query API for `pharos query`: form-encoded requests,
/// the `{status, data, errorType, error}` envelope, errors worded as promtool words them.
enum QueryAPIClient {
    /// How long one request may take (promtool's two minutes).
    static let timeout: TimeAmount = .minutes(2)

    /// The `data` of a query or range query.
    enum QueryResult: Decodable {
        case vector([Sample])
        case matrix([Series])
        case scalar(Point)
        case string(Int64, String)

        /// `[<seconds>, "<value>"]`.
        struct Point: Decodable {
            var milliseconds: Int64
            var value: Double

            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                milliseconds = QueryAPIClient.milliseconds(try container.decode(Double.self))
                let text = try container.decode(String.self)
                guard let value = QueryAPIClient.parseValue(text) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid sample value \(text)")
                }
                self.value = value
            }
        }

        /// One element of a vector result.
        struct Sample: Decodable {
            var metric: [String: String]
            var value: Point
        }

        /// One series of a matrix result (`values` is absent for histogram-only series).
        struct Series: Decodable {
            var metric: [String: String]
            var values: [Point]?
        }

        private enum CodingKeys: String, CodingKey { case resultType, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .resultType) {
            case "vector": self = .vector(try container.decode([Sample].self, forKey: .result))
            case "matrix": self = .matrix(try container.decode([Series].self, forKey: .result))
            case "scalar": self = .scalar(try container.decode(Point.self, forKey: .result))
            case "string":
                var pair = try container.nestedUnkeyedContainer(forKey: .result)
                let t = QueryAPIClient.milliseconds(try pair.decode(Double.self))
                self = .string(t, try pair.decode(String.self))
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .resultType, in: container,
                                                       debugDescription: "unknown value type \(other.quotedForPromQL)")
            }
        }
    }

    private struct Envelope<T: Decodable>: Decodable {
        var status: String
        var data: T?
        var errorType: String?
        var error: String?
    }

    /// Sends `form` to `server`'s `/api/v1/<path>` (POST form, or GET with the form as query)
    /// and returns the decoded `data`.
    /// - Throws: `QueryCommandFailure` worded as promtool's `query error: …`.
    static func run<T: Decodable>(server: String, path: String, form: [(String, String)],
                                  method: HTTPMethod = .POST, decoding: T.Type) async throws -> T {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        let encoded = form.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
        var url = base + "/api/v1/" + path
        var request: HTTPClientRequest
        if method == .GET {
            if !encoded.isEmpty { url += "?" + encoded }
            request = HTTPClientRequest(url: url)
        } else {
            request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
        }
        // One attempt per request, as promtool: a refused connection fails at once instead
        // of being retried until the timeout.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let exchange: Result<(HTTPResponseStatus, ByteBuffer), any Error>
        do {
            let response = try await client.execute(request, timeout: timeout)
            exchange = .success((response.status, try await response.body.collect(upTo: 1 << 30)))
        } catch {
            exchange = .failure(error)
        }
        try? await client.shutdown()
        let status: HTTPResponseStatus, body: ByteBuffer
        switch exchange {
        case .success(let reply): (status, body) = reply
        case .failure(let error):
            // Go's url.Error wording: `Post "http://…/api/v1/query": <cause>`.
            throw QueryCommandFailure("query error: \(method == .GET ? "Get" : "Post") \(url.quotedForPromQL): \(error)")
        }
        let envelope: Envelope<T>
        do {
            envelope = try JSONDecoder().decode(Envelope<T>.self, from: Data(body.readableBytesView))
        } catch {
            let text = String(buffer: body).prefix(200)
            throw QueryCommandFailure("query error: bad_response: \(status.code) \(status.reasonPhrase): \(text)")
        }
        if envelope.status != "success" {
            throw QueryCommandFailure("query error: \(envelope.errorType ?? "unknown"): \(envelope.error ?? "")")
        }
        guard let data = envelope.data else {
            throw QueryCommandFailure("query error: bad_response: response without data")
        }
        return data
    }

    /// Now, in milliseconds since the epoch.
    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// A time flag as promtool reads it (Unix seconds with a fraction, or RFC 3339).
    static func parseTime(_ text: String, what: String) throws -> Int64 {
        guard let t = RequestParameters.parseTime(text) else {
            throw QueryCommandFailure("error parsing \(what): cannot parse \(text.quotedForPromQL) to a valid timestamp")
        }
        return t
    }

    /// `start`/`end` form fields for series and label queries; promtool's defaults are
    /// 9999 hours either side of now.
    static func timeBounds(start: String?, end: String?) throws -> [(String, String)] {
        let now = now(), span: Int64 = 9999 * 3_600_000
        return [
            ("start", seconds(try start.map { try parseTime($0, what: "start time") } ?? now - span)),
            ("end", seconds(try end.map { try parseTime($0, what: "end time") } ?? now + span)),
        ]
    }

    /// Milliseconds as seconds the way client_golang sends times (`FormatFloat(s, 'f', -1, 64)`).
    static func seconds(_ milliseconds: Int64) -> String { FloatFormatting.goFixed(Double(milliseconds) / 1000) }

    /// A label name as one escaped URL path segment.
    static func pathSegment(_ name: String) -> String { escape(name) }

    /// Seconds from the API as whole milliseconds.
    static func milliseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1000).rounded()) }

    /// A sample value as Go's `strconv.ParseFloat` reads the API's strings.
    static func parseValue(_ text: String) -> Double? {
        switch text {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    private static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
