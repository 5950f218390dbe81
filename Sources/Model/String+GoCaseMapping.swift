extension String {
    /// The string with each scalar mapped to lower case as Go's `strings.ToLower` does (the
    /// relabel `lowercase` action): Unicode *simple* case mapping, one scalar to one scalar.
    /// Swift's `lowercased()` applies full mappings (`"İ"` becomes two scalars), which Go does not.
    var goLowercased: String {
        if utf8.allSatisfy({ $0 < 0x80 && !(0x41...0x5A).contains($0) }) { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars { out.append(Self.simpleLowercase(scalar)) }
        return String(out)
    }

    /// The string with each scalar mapped to upper case as Go's `strings.ToUpper` does (the
    /// relabel `uppercase` action): simple case mapping, so `"ß"` stays `"ß"` (Swift: `"SS"`).
    var goUppercased: String {
        if utf8.allSatisfy({ $0 < 0x80 && !(0x61...0x7A).contains($0) }) { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars { out.append(Self.simpleUppercase(scalar)) }
        return String(out)
    }

    /// Swift exposes only the full mappings. Where the full mapping is one scalar it is the
    /// simple one; the only unconditional multi-scalar lowercase mapping (SpecialCasing.txt)
    /// is U+0130, whose simple lowercase is `i`.
    private static func simpleLowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value < 0x80 {
            return (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) + 0x20) : scalar
        }
        if scalar == "\u{130}" { return "i" }
        return single(scalar.properties.lowercaseMapping) ?? scalar
    }

    /// For multi-scalar full uppercase mappings (`ß`, ligatures, Greek with ypogegrammeni) the
    /// simple mapping is the titlecase form when that is a single scalar (`ᾳ` → `ᾼ`), else none.
    private static func simpleUppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.value < 0x80 {
            return (0x61...0x7A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value) - 0x20) : scalar
        }
        return single(scalar.properties.uppercaseMapping) ?? single(scalar.properties.titlecaseMapping) ?? scalar
    }

    private static func single(_ mapping: String) -> Unicode.Scalar? {
        var scalars = mapping.unicodeScalars.makeIterator()
        guard let first = scalars.next(), scalars.next() == nil else { return nil }
        return first
    }
}
