import Foundation

/// The framer's scanners: between top-level values, inside strings, through structure (with its
/// grammar checks), and the fast path through the inside of a record.
extension FramerState {
    /// Inside a record only strings, brackets and newlines matter for framing: the parser checks
    /// the rest. Skips ahead word by word; returns when the record ends or the buffer runs out.
    mutating func scanInsideRecord() {
        let ones = ByteScan.ones
        while scan < count {
            // Find the next '"', '{', '}', '[', ']' or newline ('[' | 0x20 == '{', ']' | 0x20 == '}').
            let i = ByteScan.firstMarked(buffer, scan, count, word: { word in
                let folded = word | (ones &* 0x20)
                return ByteScan.zeroBytes(word ^ (ones &* 0x22)) | ByteScan.zeroBytes(word ^ (ones &* 0x0A))
                    | ByteScan.zeroBytes(folded ^ (ones &* 0x7B)) | ByteScan.zeroBytes(folded ^ (ones &* 0x7D))
            }, byte: { $0 == 0x22 || $0 == 0x0A || $0 | 0x20 == 0x7B || $0 | 0x20 == 0x7D })
            scan = i
            guard scan < count else { return }
            switch buffer[scan] {
            case UInt8(ascii: "\""):
                // Skip the string; the loop in frame() takes over if it does not end in this buffer.
                inString = true
                scan += 1
                while true {
                    let stop = skipStringBody(from: scan)
                    if stop >= count {
                        scan = count
                        return
                    }
                    scan = stop
                    let byte = buffer[scan]
                    if byte == UInt8(ascii: "\\") {
                        if scan + 1 >= count {
                            afterBackslash = true
                            scan = count
                            return
                        }
                        scan += 2
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        scan += 1
                        break
                    } else {
                        broken("unterminated string: the line ends inside it")
                        return
                    }
                }
            case UInt8(ascii: "\n"):
                if linesMode == true {
                    broken("truncated record: the line ends inside a JSON value")
                    return
                }
                topHasNewline = true
                scan += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                push(isObject: buffer[scan] == UInt8(ascii: "{"))
                scan += 1
            default:
                // '}' or ']'
                let isObject = buffer[scan] == UInt8(ascii: "}")
                if depth <= Self.checkedDepth && (frames[depth - 1] & 1 == 1) != isObject {
                    broken("mismatched brackets: '\(Character(Unicode.Scalar(buffer[scan])))' closes '\(isObject ? "[" : "{")'")
                    return
                }
                depth -= 1
                scan += 1
                if depth == unitDepth {
                    endUnit(at: scan)
                    if depth == 0 {
                        if linesMode == nil { linesMode = !topHasNewline }
                        mode = .between
                    }
                    return
                }
            }
            if unitStart >= 0 && scan - unitStart > maximumRecordBytes { dropOversizedUnit() }
        }
    }

    mutating func scanBetween() {
        let byte = buffer[scan]
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ","):
            scan += 1  // commas between top-level values are tolerated
        case UInt8(ascii: "{") where linesMode == true:
            // Established JSON Lines: let the handler decode the line's record in place.
            beginUnit(depth: 0, kind: .container, container: .topLevel)
            leadingRecordPending = true
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            topIsObject = isObject
            topHasNewline = false
            elementDepth = isObject ? 0 : 1
            wrapper = nil
            lastKey.removeAll(keepingCapacity: true)
            messageType.removeAll(keepingCapacity: true)
            if isObject { beginUnit(depth: 0, kind: .container, container: .topLevel) }
            mode = .value
            push(isObject: isObject)
            scan += 1
        default:
            // Not a container: the rest of the line is one (bad) record.
            beginUnit(depth: 0, kind: .line, container: .topLevel)
            mode = .garbage
        }
    }

    @inline(__always)
    mutating func scanInString() {
        if afterBackslash {
            afterBackslash = false
            if capture != .none { appendCaptured(buffer[scan]) }
            scan += 1
            return
        }
        let stop = capture == .none ? skipStringBody(from: scan) : scan
        if stop >= count {
            scan = count
            return
        }
        scan = stop
        let byte = buffer[scan]
        switch byte {
        case UInt8(ascii: "\""):
            inString = false
            scan += 1
            stringEnded()
        case UInt8(ascii: "\\"):
            afterBackslash = true
            if capture != .none { appendCaptured(byte) }
            scan += 1
        case UInt8(ascii: "\n"):
            broken("unterminated string: the line ends inside it")
        default:
            appendCaptured(byte)
            scan += 1
        }
    }

    mutating func appendCaptured(_ byte: UInt8) {
        if captured.count < 32 { captured.append(byte) }
    }

    mutating func stringEnded() {
        switch capture {
        case .key: lastKey = captured
        case .messageType: messageType = captured
        case .none: break
        }
        capture = .none
        if depth <= Self.checkedDepth {
            let expect = topExpect
            setTopExpect(expect == .key || expect == .keyOrEnd ? .colon : .commaOrEnd)
        }
        if unitActive && unitKind == .string && unitDepth == depth {
            endUnit(at: scan)
        }
    }

    @inline(__always)
    mutating func scanStructure() {
        let byte = buffer[scan]
        let checked = depth <= Self.checkedDepth
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            if inScalarToken { endScalar() }
            scan += 1
        case UInt8(ascii: "\n"):
            if linesMode == true {
                broken("truncated record: the line ends inside a JSON value")
                return
            }
            topHasNewline = true
            if inScalarToken { endScalar() }
            scan += 1
        case UInt8(ascii: "\""):
            inScalarToken = false
            var isKey = false
            if checked {
                switch topExpect {
                case .key, .keyOrEnd: isKey = true
                case .value, .valueOrEnd: break
                default:
                    broken("unexpected '\"' where \(expectation) was expected")
                    return
                }
            }
            if depth == 1 && topIsObject {
                if isKey {
                    capture = .key
                    captured.removeAll(keepingCapacity: true)
                } else if lastKey == Self.messageTypeKey {
                    capture = .messageType
                    captured.removeAll(keepingCapacity: true)
                }
            }
            if !isKey { beginElement(kind: .string) }
            inString = true
            scan += 1
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            inScalarToken = false
            if checked {
                let expect = topExpect
                guard expect == .value || expect == .valueOrEnd else {
                    broken("unexpected '\(Character(Unicode.Scalar(byte)))' where \(expectation) was expected")
                    return
                }
                setTopExpect(.commaOrEnd)
            }
            if depth == 1 && byte == UInt8(ascii: "[") && topIsObject && wrapper == nil,
               let key = Self.wrapperKey(lastKey) {
                // The record array of a wrapper object: frame its elements, not the object.
                wrapper = key
                elementDepth = 2
                unitActive = false
                unitStart = -1
            } else {
                beginElement(kind: .container)
                if byte == UInt8(ascii: "{") && unitActive && unitStart == scan && unitDepth == depth {
                    leadingRecordPending = true  // the handler may decode it in place
                    return
                }
            }
            push(isObject: byte == UInt8(ascii: "{"))
            scan += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            let isObject = byte == UInt8(ascii: "}")
            if checked {
                let frame = frames[depth - 1]
                let frameIsObject = frame & 1 == 1
                let expect = Expect(rawValue: frame >> 1)!
                let canEnd = frameIsObject
                    ? (expect == .keyOrEnd || expect == .commaOrEnd)
                    : (expect == .valueOrEnd || expect == .commaOrEnd)
                guard frameIsObject == isObject, canEnd else {
                    let reason = frameIsObject != isObject
                        ? "mismatched brackets: '\(Character(Unicode.Scalar(byte)))' closes '\(frameIsObject ? "{" : "[")'"
                        : "unexpected '\(Character(Unicode.Scalar(byte)))' where \(expectation) was expected"
                    broken(reason)
                    return
                }
            }
            if inScalarToken { endScalar() }
            depth -= 1
            scan += 1
            if wrapper != nil && depth < elementDepth {
                elementDepth = 0  // the wrapper's array closed; members after it are metadata
            }
            if unitActive && unitKind == .container && unitDepth == depth {
                endUnit(at: scan)
            }
            if depth == 0 {
                if linesMode == nil { linesMode = !topHasNewline }
                mode = .between
            }
        case UInt8(ascii: ","):
            inScalarToken = false
            if checked {
                guard topExpect == .commaOrEnd else {
                    broken("unexpected ',' where \(expectation) was expected")
                    return
                }
                setTopExpect(frames[depth - 1] & 1 == 1 ? .key : .value)
            }
            if unitActive && unitKind == .scalar && unitDepth == depth { endUnit(at: scan) }
            scan += 1
        case UInt8(ascii: ":"):
            inScalarToken = false
            if checked {
                guard topExpect == .colon else {
                    broken("unexpected ':' where \(expectation) was expected")
                    return
                }
                setTopExpect(.value)
            }
            scan += 1
        default:
            // A number or a literal; the parser checks its spelling.
            if !inScalarToken {
                if checked {
                    let expect = topExpect
                    guard expect == .value || expect == .valueOrEnd else {
                        broken("unexpected \(JSONError.describe(byte)) where \(expectation) was expected")
                        return
                    }
                    setTopExpect(.commaOrEnd)
                }
                inScalarToken = true
                beginElement(kind: .scalar)
            }
            scan += 1
        }
    }
}
