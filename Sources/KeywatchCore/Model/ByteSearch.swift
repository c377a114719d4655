#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// True when the UTF-8 bytes of `needle` occur in this string (exact bytes, no locale).
    ///
    /// Used on hot paths instead of Foundation's `contains`, which on Linux goes through NSString.
    func containsBytes(_ needle: StaticString) -> Bool {
        byteOffset(of: needle) != nil
    }

    /// The UTF-8 offset of the first occurrence of `needle`.
    func byteOffset(of needle: StaticString) -> Int? {
        var copy = self
        return copy.withUTF8 { haystack -> Int? in
            let length = needle.utf8CodeUnitCount
            guard let base = haystack.baseAddress, length > 0, length <= haystack.count else { return length == 0 ? 0 : nil }
            let first = Int32(needle.utf8Start[0])
            var start = 0
            let last = haystack.count - length
            while start <= last {
                guard let hit = memchr(base + start, first, last - start + 1) else { return nil }
                let offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                if memcmp(base + offset, needle.utf8Start, length) == 0 { return offset }
                start = offset + 1
            }
            return nil
        }
    }

    /// True when `needle` occurs in this string, ASCII letters compared case-insensitively.
    func containsIgnoringASCIICase(_ needle: StaticString) -> Bool {
        var copy = self
        return copy.withUTF8 { haystack -> Bool in
            let count = needle.utf8CodeUnitCount
            guard count <= haystack.count else { return false }
            let pattern = needle.utf8Start
            if count == 0 { return true }
            for start in 0...(haystack.count - count) {
                var k = 0
                while k < count && haystack[start + k].asciiLowercased == pattern[k].asciiLowercased { k += 1 }
                if k == count { return true }
            }
            return false
        }
    }
}
