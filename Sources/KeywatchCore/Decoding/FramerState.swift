import Foundation

/// The framer's scanning state and logic, kept in a struct of plain values so the per-byte loop
/// mutates it in place (no reference counting, no dynamic exclusivity checks).
struct FramerState {
    typealias Output = RecordFramer.Output
    typealias Container = RecordFramer.Container

    /// The structure is checked this deep; deeper brackets are only counted (the parser rejects them).
    static let checkedDepth = 1024

    enum Mode: UInt8 {
        /// Between top-level values.
        case between
        /// Inside a top-level line that is not a JSON container: a unit that ends with the line.
        case garbage
        /// Inside a top-level container.
        case value
        /// Dropping bytes up to the next newline after a broken record.
        case skipLine
        /// The document is broken; everything else is dropped.
        case dead
    }

    /// What a container expects next.
    enum Expect: UInt8 {
        case keyOrEnd, key, colon, value, valueOrEnd, commaOrEnd
    }

    enum UnitKind: UInt8 { case container, string, scalar, line }
    enum Capture: UInt8 { case none, key, messageType }

    // Buffer.
    var buffer: UnsafeMutablePointer<UInt8>
    var count = 0
    var scan = 0
    var bufferStart: Int64 = 0
    let maximumRecordBytes: Int
    var checkedByteOrderMark = false

    // Structure: per open container (up to checkedDepth), bit 0 = object, bits 1… = Expect.
    var frames: UnsafeMutablePointer<UInt8>
    var depth = 0
    var mode = Mode.between
    var inString = false
    var afterBackslash = false
    var inScalarToken = false
    var capture = Capture.none
    var captured: [UInt8] = []

    // The unit (record) being framed; unitStart < 0 when none (or when it grew too large).
    var unitStart = -1
    var unitActive = false
    var unitOffset: Int64 = 0
    var unitDepth = 0
    var unitKind = UnitKind.container
    var unitContainer = Container.topLevel
    var unitPrefix: [UInt8] = []

    // The top-level value being scanned.
    var topIsObject = false
    var topHasNewline = false
    /// Depth at which records are elements (1 in a bare array, 2 in a wrapper); 0 when none.
    var elementDepth = 0
    var wrapper: RecordFramer.WrapperKey?
    var lastKey: [UInt8] = []
    var messageType: [UInt8] = []

    /// nil until the first top-level value ends; true when it fit on one line.
    var linesMode: Bool?

    /// What the scan found, in order; records as buffer positions.
    enum Pending {
        case record(start: Int, end: Int, offset: Int64, container: Container)
        case problem(RecordFramer.Problem)
    }
    var outputs: [Pending] = []

    /// Set when the scan stopped at the first byte of an object record that the handler may
    /// decode in place (an element of a record array, or a line of established JSON Lines).
    var leadingRecordPending = false

    init(buffer: UnsafeMutablePointer<UInt8>, maximumRecordBytes: Int, frames: UnsafeMutablePointer<UInt8>) {
        self.buffer = buffer
        self.maximumRecordBytes = maximumRecordBytes
        self.frames = frames
    }

    // MARK: - Scanning

    mutating func frame(final: Bool) {
        if !checkedByteOrderMark {
            if count < 3 && !final { return }
            checkedByteOrderMark = true
            if count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { scan = 3 }
        }
        while scan < count {
            switch mode {
            case .value:
                if inString {
                    scanInString()
                } else if unitActive && depth > unitDepth && (unitContainer != .topLevel || linesMode != nil) {
                    scanInsideRecord()
                } else {
                    scanStructure()
                }
            case .between:
                scanBetween()
            case .garbage:
                if let newline = findNewline(from: scan) {
                    scan = newline
                    endUnit(at: newline)
                    scan = newline + 1
                    mode = .between
                } else {
                    scan = count
                }
            case .skipLine:
                if let newline = findNewline(from: scan) {
                    scan = newline + 1
                    mode = .between
                } else {
                    scan = count
                }
            case .dead:
                scan = count
            }
            if leadingRecordPending { return }
            if unitStart >= 0 && scan - unitStart > maximumRecordBytes { dropOversizedUnit() }
        }
    }

    /// The handler decoded the pending record of `length` bytes: continue after it.
    mutating func leadingRecordDecoded(length: Int) {
        unitActive = false
        unitStart = -1
        scan += length
        if unitDepth == 0 {
            mode = .between
        }
    }

    /// The handler left the pending record to the framer: scan it.
    mutating func leadingRecordDeclined() {
        if unitDepth == 0 {
            topIsObject = true
            topHasNewline = false
            elementDepth = 0
            wrapper = nil
            mode = .value
        }
        push(isObject: true)
        scan += 1
    }

    mutating func finish() {
        switch mode {
        case .garbage:
            endUnit(at: count)
        case .value:
            if unitActive {
                outputs.append(.problem(RecordFramer.Problem(
                    offset: unitOffset, reason: "truncated record: the input ends inside it", prefix: currentUnitPrefix())))
            } else {
                outputs.append(.problem(RecordFramer.Problem(
                    offset: bufferStart + Int64(scan), reason: "truncated input: it ends inside a JSON value", prefix: [])))
            }
        case .between, .skipLine, .dead:
            break
        }
        reset(to: .between)
        scan = count
    }

    static let messageTypeKey = Array("messageType".utf8)
    static let controlMessageValue = Array("CONTROL_MESSAGE".utf8)

    static func wrapperKey(_ key: [UInt8]) -> RecordFramer.WrapperKey? {
        switch key.count {
        case 7: return RecordFramer.WrapperKey(rawValue: String(decoding: key, as: UTF8.self))
        case 9: return key == Array("logEvents".utf8) ? .logEvents : nil
        default: return nil
        }
    }

    @inline(__always)
    var topExpect: Expect {
        Expect(rawValue: frames[depth - 1] >> 1)!
    }

    @inline(__always)
    mutating func setTopExpect(_ expect: Expect) {
        frames[depth - 1] = frames[depth - 1] & 1 | expect.rawValue << 1
    }

    var expectation: String {
        guard depth > 0, depth <= Self.checkedDepth else { return "a value" }
        switch topExpect {
        case .keyOrEnd: return "a key or '}'"
        case .key: return "a key"
        case .colon: return "':'"
        case .value: return "a value"
        case .valueOrEnd: return "a value or ']'"
        case .commaOrEnd: return frames[depth - 1] & 1 == 1 ? "',' or '}'" : "',' or ']'"
        }
    }

    @inline(__always)
    mutating func push(isObject: Bool) {
        if depth < Self.checkedDepth {
            frames[depth] = (isObject ? 1 : 0) | (isObject ? Expect.keyOrEnd : Expect.valueOrEnd).rawValue << 1
        }
        depth += 1
    }

    mutating func beginUnit(depth unitDepth: Int, kind: UnitKind, container: Container) {
        unitActive = true
        unitStart = scan
        unitOffset = bufferStart + Int64(scan)
        self.unitDepth = unitDepth
        unitKind = kind
        unitContainer = container
    }

    /// Starts a unit when a value begins where records are elements.
    @inline(__always)
    mutating func beginElement(kind: UnitKind) {
        guard !unitActive, elementDepth != 0, depth == elementDepth else { return }
        let container: Container = wrapper.map {
            .wrapper($0, controlMessage: messageType == Self.controlMessageValue)
        } ?? .array
        beginUnit(depth: depth, kind: kind, container: container)
    }

    mutating func endScalar() {
        inScalarToken = false
        if unitActive && unitKind == .scalar && unitDepth == depth {
            endUnit(at: scan)
        }
    }

    /// The unit ends just before `end`: hand it over, or report it if it was too large.
    mutating func endUnit(at end: Int) {
        guard unitActive else { return }
        unitActive = false
        if unitStart >= 0 {
            let start = unitStart
            unitStart = -1
            outputs.append(.record(start: start, end: end, offset: unitOffset, container: unitContainer))
        } else {
            outputs.append(.problem(RecordFramer.Problem(
                offset: unitOffset,
                reason: "record larger than the \(maximumRecordBytes)-byte limit; skipped",
                prefix: unitPrefix)))
            unitPrefix = []
        }
    }

    /// Stops keeping a unit's bytes once it is larger than the limit; it is reported when it ends.
    mutating func dropOversizedUnit() {
        unitPrefix = Array(UnsafeBufferPointer(start: buffer + unitStart, count: min(RecordFramer.problemPrefixBytes, count - unitStart)))
        unitStart = -1
    }

    func currentUnitPrefix() -> [UInt8] {
        guard unitStart >= 0 else { return unitPrefix }
        return Array(UnsafeBufferPointer(start: buffer + unitStart, count: min(RecordFramer.problemPrefixBytes, count - unitStart)))
    }

    /// The structure is broken at `scan`. In line-oriented input, report the record and resume
    /// at the next line; in a multi-line document, report the rest of the input once.
    mutating func broken(_ reason: String) {
        let offset = unitActive ? unitOffset : bufferStart + Int64(scan)
        let prefix = unitActive ? currentUnitPrefix() : []
        // A multi-line document (pretty-printed, or a record array spanning lines) cannot be
        // resynchronized; a multi-line first value that is a single record can (truncated JSON Lines).
        let insideRecordArray = elementDepth != 0 || wrapper != nil
        if linesMode == false || (linesMode == nil && topHasNewline && insideRecordArray) {
            outputs.append(.problem(RecordFramer.Problem(
                offset: offset,
                reason: "malformed JSON at byte \(bufferStart + Int64(scan)): \(reason); the rest of the input cannot be framed",
                prefix: prefix)))
            reset(to: .dead)
            scan = count
            return
        }
        outputs.append(.problem(RecordFramer.Problem(offset: offset, reason: reason, prefix: prefix)))
        // Resume at the line after the broken record's first line if that is behind us (a first
        // value that spanned lines), else after the current line.
        var resume: Int?
        if unitActive, unitStart >= 0, let newline = findNewline(from: unitStart), newline < scan {
            resume = newline + 1
        }
        let onNewline = buffer[scan] == UInt8(ascii: "\n")
        reset(to: .skipLine)
        linesMode = true
        if let resume {
            scan = resume
            mode = .between
        } else if onNewline {
            scan += 1
            mode = .between
        }
    }

    mutating func reset(to newMode: Mode) {
        mode = newMode
        depth = 0
        inString = false
        afterBackslash = false
        inScalarToken = false
        capture = .none
        unitActive = false
        unitStart = -1
        unitPrefix = []
        elementDepth = 0
        wrapper = nil
        topIsObject = false
        topHasNewline = false
    }

    /// Skips string bytes that need no attention; returns the offset of the next `"`, `\` or newline.
    @inline(__always)
    func skipStringBody(from start: Int) -> Int {
        ByteScan.firstMarked(buffer, start, count, word: { word in
            ByteScan.zeroBytes(word ^ (ByteScan.ones &* 0x22)) | ByteScan.zeroBytes(word ^ (ByteScan.ones &* 0x5C))
                | ByteScan.zeroBytes(word ^ (ByteScan.ones &* 0x0A))
        }, byte: { $0 == 0x22 || $0 == 0x5C || $0 == 0x0A })
    }

    /// The position of the first newline at or after `start` and before `end` (the buffer's end when nil).
    func findNewline(from start: Int, before end: Int? = nil) -> Int? {
        let end = min(end ?? count, count)
        guard start < end else { return nil }
        guard let found = memchr(buffer + start, 0x0A, end - start) else { return nil }
        return UnsafeMutableRawPointer(found) - UnsafeMutableRawPointer(buffer)
    }
}
