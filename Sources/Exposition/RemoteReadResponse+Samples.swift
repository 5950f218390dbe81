extension RemoteReadResponse {
    /// Reads a `ReadResponse` (after snappy): one batch per `QueryResult`, in order, each
    /// holding its series and samples. A `QueryResult`'s `TimeSeries` are laid out as a
    /// remote-write 1.0 request's, so `decoder` reads them with the remote-write checks
    /// (labels sorted, unique, valid; a series without `__name__` is refused).
    /// - Throws: `ExpositionError.malformedProtobuf` (offsets inside the `QueryResult` for
    ///   errors in one) or `.invalidSeries`.
    package static func decodeSamples(
        _ body: [UInt8], decoder: inout RemoteWriteDecoder
    ) throws(ExpositionError) -> [RemoteWriteBatch] {
        try body.withUnsafeBytes { raw in
            Result { () throws(ExpositionError) -> [RemoteWriteBatch] in
                var reader = ProtobufReader(raw)
                var results: [RemoteWriteBatch] = []
                while reader.hasMore {
                    let (field, wireType) = try reader.tag()
                    guard field == 1, wireType == .lengthDelimited else {
                        try reader.skip(wireType, field: field)
                        continue
                    }
                    let range = try reader.lengthDelimited()
                    var batch = RemoteWriteBatch()
                    try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[range]), version: .v1, into: &batch)
                    results.append(batch)
                }
                return results
            }
        }.get()
    }
}
