/// A `change` rule's last known values of a group in the bytes of ``DetectionState/encode(chunkSize:_:)``:
/// a count, then each value as 0 (unknown), 1 and a text, or 2 and a list.
extension StateWriter {
    mutating func put(_ values: [KnownValue?]) {
        put(UInt64(values.count))
        for value in values {
            switch value {
            case nil: put(UInt64(0))
            case .text(let text): put(UInt64(1)); put(text)
            case .list(let items): put(UInt64(2)); put(items)
            }
        }
    }
}

extension StateReader {
    mutating func knownValues() throws(StateDecodingError) -> [KnownValue?] {
        var values: [KnownValue?] = []
        for _ in 0..<(try count()) {
            switch try unsigned() {
            case 0: values.append(nil)
            case 1: values.append(.text(try string()))
            case 2: values.append(.list(try strings()))
            default: throw StateDecodingError(message: "a stored value of a change rule is damaged")
            }
        }
        return values
    }
}
