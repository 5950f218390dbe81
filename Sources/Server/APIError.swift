package import Hummingbird
package import PromQL

/// An API failure as the Prometheus HTTP API reports it: `errorType` and `error` in the
/// envelope, with the matching HTTP status.
package struct APIError: Error, Sendable, Equatable {
    /// The `errorType` values of Prometheus's API (`web/api/v1`).
    package enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case `internal`
        case notFound = "not_found"
        case unavailable

        /// The HTTP status Prometheus answers with for this kind.
        package var status: HTTPResponse.Status {
            switch self {
            case .badData: .badRequest
            case .execution: .unprocessableContent
            case .timeout, .canceled, .unavailable: .serviceUnavailable
            case .internal: .internalServerError
            case .notFound: .notFound
            }
        }
    }

    /// The class of failure.
    package var kind: Kind
    /// What went wrong, in Prometheus's wording where there is one.
    package var message: String
    /// The HTTP status: the kind's, unless the error names another (413 for bodies over
    /// the limit).
    package var status: HTTPResponse.Status

    /// Creates an error answered with `status`, by default the kind's.
    package init(_ kind: Kind, _ message: String, status: HTTPResponse.Status? = nil) {
        self.kind = kind
        self.message = message
        self.status = status ?? kind.status
    }

    /// A query error classified as Prometheus's `returnAPIError` does.
    package init(_ error: PromQLError) {
        switch error {
        case .parse: self.init(.badData, error.description)
        case .timeout: self.init(.timeout, error.description + " (raise it with --query.timeout)")
        case .tooManySamples: self.init(.execution, error.description + " (raise it with --query.max-samples)")
        case .execution: self.init(.execution, error.description)
        case .storage: self.init(.internal, error.description)
        }
    }
}
