import CompressNIO
import Foundation
package import Hummingbird

/// Compresses responses with gzip when the client sends `Accept-Encoding: gzip`, as
/// Prometheus's handlers do; bodies already encoded or empty pass through.
package struct GzipMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A middleware.
    package init() {}

    package func handle(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard Self.acceptsGzip(request.headers[.acceptEncoding]), response.headers[.contentEncoding] == nil,
              response.body.contentLength != 0
        else { return response }
        response.headers[.contentEncoding] = "gzip"
        response.headers[.contentLength] = nil
        response.headers[values: .vary].append("Accept-Encoding")
        response.body = response.body.map { buffer in
            var input = buffer
            return try input.compress(with: .gzip())
        }
        return response
    }

    /// Whether an `Accept-Encoding` value allows gzip (`gzip`, `gzip;q=0.5`, `*`; not `q=0`).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = fields.first, coding == "gzip" || coding == "*" else { continue }
            let zero = fields.dropFirst().contains { $0.hasPrefix("q=") && (Double($0.dropFirst(2)) ?? 1) == 0 }
            if !zero { return true }
        }
        return false
    }
}
