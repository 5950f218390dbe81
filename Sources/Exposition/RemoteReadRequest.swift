package import Model

/// A decoded remote-read `prometheus.ReadRequest` (`prompb/remote.proto`).
package struct RemoteReadRequest: Sendable, Equatable {
    /// The queries, in request order (responses answer them in the same order).
    package var queries: [RemoteReadQuery] = []
    /// The response types the client accepts, in preference order, as sent (raw enum numbers,
    /// so unknown future types can be reported).
    package var acceptedResponseTypes: [Int] = []

    /// Creates an empty request.
    package init() {}

    /// Decodes a (decompressed) request body.
    /// - Throws: `ExpositionError.malformedProtobuf` for bytes that are not a `ReadRequest`;
    ///   `.invalidReadQuery` for a matcher of unknown type, a regex RE2 refuses, or a name or
    ///   value that is not UTF-8.
    package init(decoding body: [UInt8]) throws(ExpositionError) {
        self = try body.withUnsafeBytes { raw in
            Result { () throws(ExpositionError) in try RemoteReadRequest(decoding: raw) }
        }.get()
    }

    /// Decodes a (decompressed) request body (see `init(decoding:)`).
    package init(decoding body: UnsafeRawBufferPointer) throws(ExpositionError) {
        var reader = ProtobufReader(body)
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                var query = reader.reader(for: try reader.lengthDelimited())
                queries.append(try RemoteReadQuery(&query, index: queries.count))
            case (2, _):
                _ = try reader.repeated(wireType, field: field, scalar: .varint) { r throws(ExpositionError) in
                    acceptedResponseTypes.append(Int(Int32(truncatingIfNeeded: try r.varint())))
                }
            default:
                try reader.skip(wireType, field: field)
            }
        }
    }

    /// The response type to answer with, as Prometheus's `NegotiateResponseType`: the first
    /// accepted type this server writes; `samples` when the client lists none.
    /// - Throws: `ExpositionError.unsupportedReadResponseTypes` when it supports none of them.
    package func negotiateResponseType() throws(ExpositionError) -> RemoteReadResponseType {
        guard !acceptedResponseTypes.isEmpty else { return .samples }
        for raw in acceptedResponseTypes {
            if let type = RemoteReadResponseType(rawValue: raw) { return type }
        }
        throw .unsupportedReadResponseTypes(acceptedResponseTypes)
    }
}

/// How a remote-read response is written (`ReadRequest.ResponseType`).
package enum RemoteReadResponseType: Int, Sendable, Equatable {
    /// One snappy-compressed `ReadResponse` with raw samples (`application/x-protobuf`).
    case samples = 0
    /// A stream of framed `ChunkedReadResponse` messages with XOR chunks
    /// (`application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse`).
    case streamedXORChunks = 1

    /// The response's `Content-Type`.
    package var contentType: String {
        switch self {
        case .samples: "application/x-protobuf"
        case .streamedXORChunks: "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"
        }
    }
}

/// One query of a remote-read request.
package struct RemoteReadQuery: Sendable, Equatable {
    /// Start of the range, milliseconds since the epoch (inclusive).
    package var startTimestampMs: Int64 = 0
    /// End of the range, milliseconds since the epoch (inclusive).
    package var endTimestampMs: Int64 = 0
    /// The label matchers every returned series satisfies.
    package var matchers: [Matcher] = []
    /// What the client will do with the data, if it says (`ReadHints`).
    package var hints: RemoteReadHints?

    /// Creates a query.
    package init(startTimestampMs: Int64, endTimestampMs: Int64, matchers: [Matcher], hints: RemoteReadHints? = nil) {
        self.startTimestampMs = startTimestampMs
        self.endTimestampMs = endTimestampMs
        self.matchers = matchers
        self.hints = hints
    }

    init(_ reader: inout ProtobufReader, index: Int) throws(ExpositionError) {
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): startTimestampMs = Int64(bitPattern: try reader.varint())
            case (2, .varint): endTimestampMs = Int64(bitPattern: try reader.varint())
            case (3, .lengthDelimited):
                var matcher = reader.reader(for: try reader.lengthDelimited())
                matchers.append(try Self.decodeMatcher(&matcher, query: index))
            case (4, .lengthDelimited):
                // Occurrences of a message field merge, so decode into the hints so far.
                var hintsReader = reader.reader(for: try reader.lengthDelimited())
                var merged = hints ?? RemoteReadHints()
                try merged.merge(&hintsReader, query: index)
                hints = merged
            default:
                try reader.skip(wireType, field: field)
            }
        }
    }

    private static func decodeMatcher(_ reader: inout ProtobufReader, query: Int) throws(ExpositionError) -> Matcher {
        var type: UInt64 = 0
        var name: Range<Int> = 0..<0, value: Range<Int> = 0..<0
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): type = try reader.varint()
            case (2, .lengthDelimited): name = try reader.lengthDelimited()
            case (3, .lengthDelimited): value = try reader.lengthDelimited()
            default: try reader.skip(wireType, field: field)
            }
        }
        guard let nameString = reader.string(name), let valueString = reader.string(value) else {
            throw .invalidReadQuery("matcher name or value is not valid UTF-8", query: query)
        }
        let matchType: MatchType
        switch type {
        case 0: matchType = .equal
        case 1: matchType = .notEqual
        case 2: matchType = .regexMatch
        case 3: matchType = .regexNoMatch
        default: throw .invalidReadQuery("unknown matcher type \(type) for label \(nameString.quotedForPromQL)", query: query)
        }
        do {
            return try Matcher(matchType, nameString, valueString)
        } catch {
            throw .invalidReadQuery("invalid matcher: \(error)", query: query)
        }
    }
}

/// `ReadHints`: how the client will use the data (PromQL function, step, grouping).
package struct RemoteReadHints: Sendable, Equatable {
    /// Query step in milliseconds.
    package var stepMs: Int64 = 0
    /// The surrounding function or aggregation, e.g. `rate`.
    package var function = ""
    /// Start of the selection in milliseconds.
    package var startMs: Int64 = 0
    /// End of the selection in milliseconds.
    package var endMs: Int64 = 0
    /// Label names of the aggregation's grouping.
    package var grouping: [String] = []
    /// Whether the grouping is `by` (else `without`).
    package var by = false
    /// Range of a range-vector selector in milliseconds.
    package var rangeMs: Int64 = 0

    /// Creates empty hints.
    package init() {}

    mutating func merge(_ reader: inout ProtobufReader, query: Int) throws(ExpositionError) {
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): stepMs = Int64(bitPattern: try reader.varint())
            case (2, .lengthDelimited): function = try Self.text(&reader, query: query)
            case (3, .varint): startMs = Int64(bitPattern: try reader.varint())
            case (4, .varint): endMs = Int64(bitPattern: try reader.varint())
            case (5, .lengthDelimited): grouping.append(try Self.text(&reader, query: query))
            case (6, .varint): by = try reader.varint() != 0
            case (7, .varint): rangeMs = Int64(bitPattern: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
    }

    private static func text(_ reader: inout ProtobufReader, query: Int) throws(ExpositionError) -> String {
        guard let string = reader.string(try reader.lengthDelimited()) else {
            throw .invalidReadQuery("read hints hold a string that is not valid UTF-8", query: query)
        }
        return string
    }
}
