/// One page of `ListObjectsV2`: the objects, in key order, and where the next page starts.
///
/// Read from the response's XML by its few elements (`Contents` with `Key`, `ETag`, `Size`;
/// `IsTruncated`; `NextContinuationToken`), entities decoded — not a general XML parser: S3's
/// listing is flat, and nothing else of it is needed.
public struct S3ListPage: Sendable, Equatable {
    public var objects: [S3ObjectReference]
    /// The token of the next page; nil on the last.
    public var continuation: String?

    init(xml: [UInt8]) throws(S3Error) {
        let text = String(decoding: xml, as: UTF8.self)
        guard text.contains("<ListBucketResult") else { throw S3Error("a listing that is not a ListBucketResult") }
        let bucket = Self.value(of: "Name", in: text[...]) ?? ""
        objects = []
        for contents in Self.elements("Contents", in: text) {
            guard let key = Self.value(of: "Key", in: contents) else { throw S3Error("a listed object without a Key") }
            objects.append(S3ObjectReference(bucket: bucket, key: key, eTag: Self.value(of: "ETag", in: contents).map(S3Client.unquoted),
                                             size: Self.value(of: "Size", in: contents).flatMap { Int($0) }))
        }
        let truncated = Self.value(of: "IsTruncated", in: text[...]) == "true"
        continuation = truncated ? Self.value(of: "NextContinuationToken", in: text[...]) : nil
        if truncated, continuation == nil { throw S3Error("a truncated listing without NextContinuationToken") }
    }

    /// The text of the first `<name>` element of `xml`, entities decoded.
    static func firstValue(of name: String, in xml: [UInt8]) -> String? {
        value(of: name, in: Substring(String(decoding: xml, as: UTF8.self)))
    }

    static func value(of name: String, in text: Substring) -> String? {
        elements(name, in: String(text)).first.map { decodeEntities(String($0)) }
    }

    /// The contents of every `<name>…</name>` of `text`, in order (an empty `<name/>` is "").
    static func elements(_ name: String, in text: String) -> [Substring] {
        var found: [Substring] = []
        var rest = text[...]
        while let open = rest.firstRange(of: "<\(name)") {
            let afterName = rest[open.upperBound...]
            guard let close = afterName.firstIndex(of: ">") else { break }
            let tagRest = afterName[..<close]
            // `<NameSuffix>` is another element: the name must end the tag's name.
            if let next = tagRest.first, next != " ", next != "/" {
                rest = afterName
                continue
            }
            if tagRest.hasSuffix("/") {
                found.append("")
                rest = afterName[afterName.index(after: close)...]
                continue
            }
            let body = afterName[afterName.index(after: close)...]
            guard let end = body.firstRange(of: "</\(name)>") else { break }
            found.append(body[..<end.lowerBound])
            rest = body[end.upperBound...]
        }
        return found
    }

    /// XML's five entities and numeric references.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { out += rest[amp...]; return out }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst(), radix: 10) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }
}
