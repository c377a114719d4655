/// Indents compact JSON (as ``JSONWriter`` writes it) for a person: two spaces per level, a
/// member or element per line, arrays of scalars kept on one line — an IAM policy pasted into a
/// console reads like the ones AWS's documentation shows.
enum PrettyJSON {
    static func indent(_ compact: String) -> String {
        let bytes = Array(compact.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        /// Nesting of the open containers: true for one written inline (an array of scalars).
        var inline: [Bool] = []
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        /// Whether the array opening at `index` holds no object or array.
        func isFlatArray(at index: Int) -> Bool {
            var quoted = false, skip = false
            for byte in bytes[(index + 1)...] {
                if skip { skip = false; continue }
                if quoted {
                    if byte == UInt8(ascii: "\\") { skip = true } else if byte == UInt8(ascii: "\"") { quoted = false }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): quoted = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): return false
                case UInt8(ascii: "]"): return true
                default: break
                }
            }
            return true
        }
        for (index, byte) in bytes.enumerated() {
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let flat = byte == UInt8(ascii: "[") && isFlatArray(at: index)
                inline.append(flat)
                if !flat {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if inline.popLast() == false {
                    depth -= 1
                    newline()
                }
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                if inline.last == true { out.append(UInt8(ascii: " ")) } else { newline() }
            case UInt8(ascii: ":"):
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
