internal import Model

/// Remote-write 1.0: `prometheus.WriteRequest` (`prompb/remote.proto`, `prompb/types.proto`).
extension RemoteWriteDecoder {
    mutating func decodeV1(_ body: UnsafeRawBufferPointer, into batch: inout RemoteWriteBatch) throws(ExpositionError) {
        var reader = ProtobufReader(body)
        var index = 0
        while reader.hasMore {
            let offset = reader.offset
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                var series = reader.reader(for: try reader.lengthDelimited())
                try decodeSeriesV1(&series, index: index, offset: offset, into: &batch)
                index += 1
            case (3, .lengthDelimited):
                var metadata = reader.reader(for: try reader.lengthDelimited())
                batch.familyMetadata.append(try Self.decodeFamilyMetadata(&metadata))
            default:
                try reader.skip(wireType, field: field)
            }
        }
    }

    private mutating func decodeSeriesV1(
        _ reader: inout ProtobufReader, index: Int, offset: Int, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        let marks = Marks(batch)
        let series = reader.offset..<reader.end
        // The label fields' extent: senders write them in one run, which is then the cache key.
        var labelRun = 0..<0, labelsInOneRun = true
        while reader.hasMore {
            let fieldStart = reader.offset
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                // Decoded after the loop, unless an earlier request had the same label bytes.
                let payload = try reader.lengthDelimited()
                if labelRun.isEmpty {
                    labelRun = fieldStart..<payload.upperBound
                } else {
                    labelsInOneRun = labelsInOneRun && fieldStart == labelRun.upperBound
                    labelRun = labelRun.lowerBound..<payload.upperBound
                }
            case (2, .lengthDelimited):
                var sample = reader.reader(for: try reader.lengthDelimited())
                try decodeSample(&sample, hasStartTimestamp: false, into: &batch)
            case (3, .lengthDelimited):
                var exemplar = reader.reader(for: try reader.lengthDelimited())
                try decodeExemplarV1(&exemplar, into: &batch)
            case (4, .lengthDelimited):
                var histogram = reader.reader(for: try reader.lengthDelimited())
                try decodeHistogram(&histogram, hasStartTimestamp: false, into: &batch)
            default:
                try reader.skip(wireType, field: field)
            }
        }
        var key: RemoteWriteLabelsCache.Key?
        var cached: RemoteWriteCachedSeries?
        if labelsCache != nil, labelsInOneRun {
            key = RemoteWriteLabelsCache.key(ofRun: labelRun, in: reader)
            cached = key.flatMap { labelsCache?.series(for: $0) }
        }
        let result: Result<Labels, InvalidSeriesReason>
        if let cached {
            result = .success(cached.labels)
        } else {
            try collectLabelFields(reader.reader(for: series))
            if labelsCache != nil, !labelsInOneRun { key = RemoteWriteLabelsCache.key(of: labelFields, in: reader) }
            pending.removeAll(keepingCapacity: true)
            var problem: InvalidSeriesReason?
            for payload in labelPayloads {
                var label = reader.reader(for: payload)
                let (decoded, valid) = try Self.decodeLabel(&label)
                if !valid, problem == nil { problem = .invalidUTF8(label: decoded.name) }
                pending.append(decoded)
            }
            result = seriesLabels(firstProblem: problem)
            if let key, case .success(let labels) = result { cached = labelsCache?.insert(labels, for: key) }
        }
        try finishSeries(
            result, description: { describePending() }, marks: marks, metadata: nil, cached: cached, index: index,
            offset: offset, batch: &batch)
    }

    /// Records where the `Label` fields of a `TimeSeries` message (already read once, so well
    /// formed) are: whole fields for the cache key, payloads to decode.
    private mutating func collectLabelFields(_ series: ProtobufReader) throws(ExpositionError) {
        var reader = series
        labelFields.removeAll(keepingCapacity: true)
        labelPayloads.removeAll(keepingCapacity: true)
        while reader.hasMore {
            let fieldStart = reader.offset
            let (field, wireType) = try reader.tag()
            if (field, wireType) == (1, .lengthDelimited) {
                let payload = try reader.lengthDelimited()
                labelFields.append(fieldStart..<payload.upperBound)
                labelPayloads.append(payload)
            } else {
                try reader.skip(wireType, field: field)
            }
        }
    }

    /// Decodes a `Label` message; `valid` is false when the name or value is not UTF-8 (the
    /// returned label then carries replacement characters, for the error message).
    static func decodeLabel(_ reader: inout ProtobufReader) throws(ExpositionError) -> (Label, valid: Bool) {
        var name: Range<Int> = 0..<0, value: Range<Int> = 0..<0
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited): name = try reader.lengthDelimited()
            case (2, .lengthDelimited): value = try reader.lengthDelimited()
            default: try reader.skip(wireType, field: field)
            }
        }
        if let nameString = reader.string(name), let valueString = reader.string(value) {
            return (Label(name: nameString, value: valueString), true)
        }
        let label = Label(
            name: String(decoding: reader.bytes(name), as: UTF8.self),
            value: String(decoding: reader.bytes(value), as: UTF8.self))
        return (label, false)
    }

    /// Decodes an `Exemplar` message with string labels. Exemplar labels are not checked
    /// beyond UTF-8, as in Prometheus (`prompb.Exemplar.ToExemplar`).
    private mutating func decodeExemplarV1(
        _ reader: inout ProtobufReader, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        var value = 0.0, timestamp: Int64 = 0
        builder.reset()
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .lengthDelimited):
                var label = reader.reader(for: try reader.lengthDelimited())
                let (decoded, _) = try Self.decodeLabel(&label)
                builder.set(decoded.name, decoded.value)
            case (2, .fixed64): value = try reader.double()
            case (3, .varint): timestamp = Int64(bitPattern: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
        batch.exemplarLabels.append(builder.labels())
        batch.exemplarValues.append(value)
        batch.exemplarTimestampsMs.append(timestamp)
    }

    /// Decodes a `MetricMetadata` message.
    private static func decodeFamilyMetadata(
        _ reader: inout ProtobufReader
    ) throws(ExpositionError) -> RemoteWriteFamilyMetadata {
        var result = RemoteWriteFamilyMetadata(familyName: "", metadata: RemoteWriteMetadata())
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, .varint): result.metadata.type = MetricType(wireValue: try reader.varint())
            case (2, .lengthDelimited): result.familyName = lossyString(&reader, try reader.lengthDelimited())
            case (4, .lengthDelimited): result.metadata.help = lossyString(&reader, try reader.lengthDelimited())
            case (5, .lengthDelimited): result.metadata.unit = lossyString(&reader, try reader.lengthDelimited())
            default: try reader.skip(wireType, field: field)
            }
        }
        return result
    }

    /// Text that is not validated as a label is (help, unit): invalid UTF-8 becomes U+FFFD.
    static func lossyString(_ reader: inout ProtobufReader, _ range: Range<Int>) -> String {
        String(decoding: reader.bytes(range), as: UTF8.self)
    }
}

extension MetricType {
    /// The type of a remote-write `MetricMetadata.MetricType` / `Metadata.MetricType` value
    /// (the two enums share their numbers); unknown numbers are `unknown`.
    init(wireValue: UInt64) {
        switch wireValue {
        case 1: self = .counter
        case 2: self = .gauge
        case 3: self = .histogram
        case 4: self = .gaugehistogram
        case 5: self = .summary
        case 6: self = .info
        case 7: self = .stateset
        default: self = .unknown
        }
    }

    /// The remote-write enum number of the type (0 for `unknown`).
    var wireValue: UInt64 {
        switch self {
        case .unknown: 0
        case .counter: 1
        case .gauge: 2
        case .histogram: 3
        case .gaugehistogram: 4
        case .summary: 5
        case .info: 6
        case .stateset: 7
        }
    }
}
