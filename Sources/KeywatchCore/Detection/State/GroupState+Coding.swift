/// A group's state in the bytes of ``DetectionState/encode(chunkSize:_:)``.
extension GroupState {
    func encode(to out: inout StateWriter) {
        out.put(newest.microseconds)
        out.put(since.microseconds)
        out.put(UInt64(windows.count))
        for tally in windows {
            out.put(tally.bucket)
            out.put(Int64(tally.count))
            out.put(tally.first.microseconds)
            out.put(tally.last.microseconds)
            out.put(tally.evidence)
            out.put(tally.values.sorted())
            out.put(UInt64(tally.fired ? 1 : 0))
        }
        out.put(UInt64(history.count))
        for entry in history {
            out.put(entry.bucket)
            out.put(Int64(entry.count))
        }
        out.put(UInt64(open.count))
        for entry in open {
            out.put(entry.period)
            entry.alert.encode(to: &out)
        }
    }

    init(from input: inout StateReader) throws(StateDecodingError) {
        self.init(at: Timestamp(microseconds: try input.signed()))
        since = Timestamp(microseconds: try input.signed())
        for _ in 0..<(try input.count()) {
            var tally = WindowTally(bucket: try input.signed(), count: Int(try input.signed()),
                                    first: Timestamp(microseconds: try input.signed()),
                                    last: Timestamp(microseconds: try input.signed()))
            tally.evidence = try input.strings()
            tally.values = Set(try input.strings())
            tally.fired = try input.unsigned() == 1
            windows.append(tally)
        }
        for _ in 0..<(try input.count()) {
            history.append(BucketCount(bucket: try input.signed(), count: Int(try input.signed())))
        }
        for _ in 0..<(try input.count()) {
            open.append(OpenAlert(period: try input.signed(), alert: try Alert(from: &input)))
        }
    }
}
