/// The names S3 allows for buckets.
public enum S3BucketName {
    /// Whether `name` is a bucket name S3 allows: 3 to 63 lower-case letters, digits, dots and
    /// hyphens, beginning and ending with a letter or digit. A notification naming any other is
    /// not from S3; a configuration giving one has put a prefix in it.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        func alphanumeric(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
        return alphanumeric(bytes.first!) && alphanumeric(bytes.last!)
            && bytes.allSatisfy { alphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}
