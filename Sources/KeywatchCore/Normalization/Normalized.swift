#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a normalizer made of one record.
public enum Normalized {
    /// An event, appended to the batch (its input and raw span are filled in by the decoder).
    case appended
    /// A well-formed record that keywatch deliberately does not keep.
    case skipped(SkipReason)
    /// A record that cannot be used, and why.
    case rejected(String)
}

extension String {
    /// The part after the last occurrence of the ASCII `separator`, or nil if there is none.
    func suffix(afterLast separator: UInt8) -> Substring? {
        let bytes = utf8
        guard let index = bytes.lastIndex(of: separator) else { return nil }
        return Substring(bytes[bytes.index(after: index)...])
    }

    /// The ASCII-`separator`-separated fields, at most `maxSplits + 1`, empty ones kept.
    func fields(separatedBy separator: UInt8, maxSplits: Int = .max) -> [Substring] {
        var result: [Substring] = []
        let bytes = utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            if bytes[index] == separator && result.count < maxSplits {
                result.append(Substring(bytes[start..<index]))
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        result.append(Substring(bytes[start...]))
        return result
    }

    /// `system:serviceaccount:<namespace>:<name>` split into its namespace and name.
    var kubernetesServiceAccount: (namespace: String, name: String)? {
        guard hasPrefix("system:serviceaccount:") else { return nil }
        let parts = fields(separatedBy: UInt8(ascii: ":"), maxSplits: 3)
        guard parts.count == 4, !parts[2].isEmpty, !parts[3].isEmpty else { return nil }
        return (String(parts[2]), String(parts[3]))
    }
}

extension JSONValue {
    /// The string at a path of object keys, if every step exists and the last is a non-empty string.
    func string(_ path: StaticString...) -> String? {
        var value: JSONValue? = self
        for key in path { value = value?[key] }
        return value?.nonEmptyString
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes after the last `separator`, if any follow it.
    func suffix(afterLast separator: UInt8) -> UnsafeRawBufferPointer? {
        guard let index = lastOffset(of: separator), index + 1 < count else { return nil }
        return UnsafeRawBufferPointer(rebasing: self[(index + 1)...])
    }

    /// The offset of the last `byte`, searched for from the end eight bytes at a time.
    func lastOffset(of byte: UInt8) -> Int? {
        guard let base = baseAddress else { return nil }
        var end = count
        while end >= 8 {
            let matches = ByteScan.bytes(equalTo: byte, in: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)))
            if matches != 0 { return end - 8 + (63 - matches.leadingZeroBitCount) / 8 }
            end -= 8
        }
        while end > 0 {
            end -= 1
            if base.load(fromByteOffset: end, as: UInt8.self) == byte { return end }
        }
        return nil
    }

    /// The offset just past the `occurrence`-th (from 1) `byte`, or nil when there are fewer.
    func offset(after occurrence: Int, of byte: UInt8) -> Int? {
        guard let base = baseAddress else { return nil }
        var start = 0
        for _ in 0..<occurrence {
            guard let hit = memchr(base + start, Int32(byte), count - start) else { return nil }
            start = UnsafeRawPointer(hit) - base + 1
        }
        return start
    }
}
