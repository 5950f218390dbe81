internal import Model

/// Remote-write 2.0: `io.prometheus.write.v2.Request` (`prompb/io/prometheus/write/v2/types.proto`).
extension RemoteWriteDecoder {
    mutating func decodeV2(_ body: UnsafeRawBufferPointer, into batch: inout RemoteWriteBatch) throws(ExpositionError) {
        // Pass 1: the symbol table. Fields may come in any order, so the series (which refer to
        // symbols) are decoded in a second pass over the top-level fields only.
        symbols.removeAll()
        var reader = ProtobufReader(body)
        var hasSeries = false
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (4, .lengthDelimited): symbols.append(try reader.lengthDelimited())
            case (5, .lengthDelimited): hasSeries = true; _ = try reader.lengthDelimited()
            default: try reader.skip(wireType, field: field)
            }
        }
        guard hasSeries else { return }
        reader = ProtobufReader(body)
        var index = 0
        while reader.hasMore {
            let offset = reader.offset
            let (field, wireType) = try reader.tag()
            if field == 5, wireType == .lengthDelimited {
                var series = reader.reader(for: try reader.lengthDelimited())
                try decodeSeriesV2(&series, index: index, offset: offset, into: &batch)
                index += 1
            } else {
                try reader.skip(wireType, field: field)
            }
        }
    }

    private mutating func decodeSeriesV2(
        _ reader: inout ProtobufReader, index: Int, offset: Int, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) {
        let marks = Marks(batch)
        refs.removeAll(keepingCapacity: true)
        var problem: InvalidSeriesReason?
        var type: UInt64 = 0, helpRef: UInt32 = 0, unitRef: UInt32 = 0
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, _):
                _ = try reader.repeated(wireType, field: field, scalar: .varint) { r throws(ExpositionError) in
                    refs.append(UInt32(truncatingIfNeeded: try r.varint()))
                }
            case (2, .lengthDelimited):
                var sample = reader.reader(for: try reader.lengthDelimited())
                try decodeSample(&sample, hasStartTimestamp: true, into: &batch)
            case (3, .lengthDelimited):
                var histogram = reader.reader(for: try reader.lengthDelimited())
                try decodeHistogram(&histogram, hasStartTimestamp: true, into: &batch)
            case (4, .lengthDelimited):
                var exemplar = reader.reader(for: try reader.lengthDelimited())
                if let exemplarProblem = try decodeExemplarV2(&exemplar, into: &batch), problem == nil {
                    problem = exemplarProblem
                }
            case (5, .lengthDelimited):
                // A repeated occurrence of a message field merges into the first, field by field.
                var metadata = reader.reader(for: try reader.lengthDelimited())
                while metadata.hasMore {
                    let (field, wireType) = try metadata.tag()
                    switch (field, wireType) {
                    case (1, .varint): type = try metadata.varint()
                    case (3, .varint): helpRef = UInt32(truncatingIfNeeded: try metadata.varint())
                    case (4, .varint): unitRef = UInt32(truncatingIfNeeded: try metadata.varint())
                    default: try metadata.skip(wireType, field: field)
                    }
                }
            default:
                try reader.skip(wireType, field: field)
            }
        }
        // Labels first: an exemplar problem is only reported for a series whose labels are fine.
        var key: RemoteWriteLabelsCache.Key?
        var cached: RemoteWriteCachedSeries?
        if labelsCache != nil, let symbolKey = labelSymbolsKey(reader) {
            key = symbolKey
            cached = labelsCache?.series(for: symbolKey)
        }
        let labelsProblem = cached == nil ? resolvePendingLabels(reader) : nil
        var result = cached.map { .success($0.labels) } ?? seriesLabels(firstProblem: labelsProblem)
        if cached == nil, let key, case .success(let labels) = result { cached = labelsCache?.insert(labels, for: key) }
        if case .success = result {
            if let problem {
                result = .failure(problem)
            } else if Int(helpRef) >= symbols.count || Int(unitRef) >= symbols.count {
                let badRef = Int(helpRef) >= symbols.count ? helpRef : unitRef
                result = .failure(.symbolReferenceOutOfRange(badRef, symbolCount: symbols.count))
            } else if batch.timestampsMs.count == marks.samples, batch.histograms.count == marks.histograms {
                result = .failure(.noSamples)
            }
        }
        // A refused series is described by its labels as sent, which a cache hit did not resolve.
        if labelsProblem == nil, cached != nil, case .failure = result { _ = resolvePendingLabels(reader) }
        let metadata = RemoteWriteMetadata(
            type: MetricType(wireValue: type), help: symbolText(helpRef, reader), unit: symbolText(unitRef, reader))
        try finishSeries(
            result, description: { labelsProblem == nil ? describePending() : describeRefs() }, marks: marks,
            metadata: metadata, cached: cached, index: index, offset: offset, batch: &batch)
    }

    /// The labels-cache key of the current series: the bytes of its label symbols in the order
    /// referenced, each after its length (a 2.0 key never equals a 1.0 one, which is protobuf
    /// fields); `nil` when a reference is odd or out of range (no cache for broken series).
    private mutating func labelSymbolsKey(_ reader: ProtobufReader) -> RemoteWriteLabelsCache.Key? {
        guard refs.count % 2 == 0 else { return nil }
        symbolKey.removeAll(keepingCapacity: true)
        symbolKey.append(2)
        for ref in refs {
            guard Int(ref) < symbols.count else { return nil }
            let range = symbols.ranges[Int(ref)]
            withUnsafeBytes(of: UInt32(range.count).littleEndian) { symbolKey.append(contentsOf: $0) }
            symbolKey.append(contentsOf: reader.bytes(range))
        }
        return RemoteWriteLabelsCache.key(of: symbolKey)
    }

    /// Turns `refs` into `pending` labels; the problem if a reference is bad.
    private mutating func resolvePendingLabels(_ reader: ProtobufReader) -> InvalidSeriesReason? {
        pending.removeAll(keepingCapacity: true)
        guard refs.count % 2 == 0 else { return .oddLabelReferenceCount(refs.count) }
        var problem: InvalidSeriesReason?
        for i in stride(from: 0, to: refs.count, by: 2) {
            let nameRef = refs[i], valueRef = refs[i + 1]
            for ref in [nameRef, valueRef] where Int(ref) >= symbols.count {
                return .symbolReferenceOutOfRange(ref, symbolCount: symbols.count)
            }
            let name = symbols.text(Int(nameRef), in: reader), value = symbols.text(Int(valueRef), in: reader)
            if name == nil || value == nil, problem == nil {
                problem = .invalidUTF8(label: name ?? "symbol \(nameRef)")
            }
            pending.append(Label(name: name ?? "\u{FFFD}", value: value ?? "\u{FFFD}"))
        }
        return problem
    }

    /// The label references as sent, for series whose references cannot be resolved.
    private func describeRefs() -> String {
        "labels_refs \(refs)"
    }

    /// The text of a metadata symbol (help, unit); empty when out of range or not UTF-8.
    private mutating func symbolText(_ ref: UInt32, _ reader: ProtobufReader) -> String {
        Int(ref) < symbols.count ? symbols.text(Int(ref), in: reader) ?? "" : ""
    }

    /// Decodes an `Exemplar` with label references; returns the problem with its references.
    private mutating func decodeExemplarV2(
        _ reader: inout ProtobufReader, into batch: inout RemoteWriteBatch
    ) throws(ExpositionError) -> InvalidSeriesReason? {
        var value = 0.0, timestamp: Int64 = 0
        exemplarRefs.removeAll(keepingCapacity: true)
        while reader.hasMore {
            let (field, wireType) = try reader.tag()
            switch (field, wireType) {
            case (1, _):
                _ = try reader.repeated(wireType, field: field, scalar: .varint) { r throws(ExpositionError) in
                    exemplarRefs.append(UInt32(truncatingIfNeeded: try r.varint()))
                }
            case (2, .fixed64): value = try reader.double()
            case (3, .varint): timestamp = Int64(bitPattern: try reader.varint())
            default: try reader.skip(wireType, field: field)
            }
        }
        var problem: InvalidSeriesReason?
        builder.reset()
        if exemplarRefs.count % 2 != 0 {
            problem = .oddLabelReferenceCount(exemplarRefs.count)
        } else {
            for i in stride(from: 0, to: exemplarRefs.count, by: 2) {
                let nameRef = Int(exemplarRefs[i]), valueRef = Int(exemplarRefs[i + 1])
                guard nameRef < symbols.count, valueRef < symbols.count else {
                    let bad = nameRef < symbols.count ? exemplarRefs[i + 1] : exemplarRefs[i]
                    problem = .symbolReferenceOutOfRange(bad, symbolCount: symbols.count)
                    break
                }
                guard let name = symbols.text(nameRef, in: reader), let labelValue = symbols.text(valueRef, in: reader) else {
                    problem = .invalidUTF8(label: symbols.text(nameRef, in: reader) ?? "symbol \(nameRef)")
                    break
                }
                builder.set(name, labelValue)
            }
        }
        batch.exemplarLabels.append(builder.labels())
        batch.exemplarValues.append(value)
        batch.exemplarTimestampsMs.append(timestamp)
        return problem
    }
}
