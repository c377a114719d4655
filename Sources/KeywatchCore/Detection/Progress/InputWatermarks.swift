/// Detection's progress in the daemon: a watermark per input, computed from the event times it
/// delivered, and the clock the slowest of them allows.
///
/// An input's watermark is the newest event time it delivered. While the input is caught up —
/// it has nothing more to deliver now — the wall clock stands in for the events it is not
/// sending: its watermark moves on at wall-clock speed from its newest event, counting from its
/// last delivery, but never past `now − delay`, the delay with which the clouds deliver logs.
/// So old logs just copied in are not judged by today's clock (they were delivered a moment
/// ago), a pipeline that stopped is judged silent once its window has passed, and an event
/// delivered within `delay` of happening is never behind the clock.
///
/// The clock is the minimum over the inputs, as a Flink or Beam operator takes the minimum of
/// its inputs' watermarks: a group is never forgotten, and no silence raised, while an input that
/// could still deliver to it is behind. An input that is behind and has delivered nothing yet
/// holds the clock where it is; one that is caught up and has delivered nothing has no say.
///
/// ```swift
/// var watermarks = InputWatermarks(inputs: ["tail:/var/log/kms", "push"], delay: .minutes(15))
/// watermarks.setCaughtUp(true, for: "push")
/// watermarks.delivered("tail:/var/log/kms", newest: eventTime, at: .now, caughtUp: true)
/// if let clock = watermarks.clock(at: .now) { changes = engine.advance(to: clock) }
/// ```
public struct InputWatermarks: Sendable, Equatable {
    /// The expected delivery delay: how far behind the wall clock an idle input's watermark stays.
    public var delay: EventDuration
    public private(set) var inputs: [String: InputProgress]

    /// - Parameters:
    ///   - inputs: every input that can deliver; others reported later are added as they come.
    ///   - restored: progress kept from an earlier run (newest event and delivery time): an input
    ///     that has gone quiet since is still judged by when it last delivered.
    public init(inputs: [String], delay: EventDuration, restored: [String: InputProgress] = [:]) {
        self.delay = delay
        var progress: [String: InputProgress] = [:]
        for input in inputs {
            var kept = restored[input] ?? InputProgress()
            kept.caughtUp = false
            progress[input] = kept
        }
        self.inputs = progress
    }

    /// Records events an input delivered at `now` (wall clock): `newest` is the newest of their
    /// times (nil when it delivered none), and `caughtUp` whether it has more waiting.
    public mutating func delivered(_ input: String, newest: Timestamp?, at now: Timestamp, caughtUp: Bool) {
        var progress = inputs[input] ?? InputProgress()
        if let newest {
            progress.newest = max(progress.newest ?? newest, newest)
            progress.deliveredAt = now
        }
        progress.caughtUp = caughtUp
        inputs[input] = progress
    }

    /// Records whether an input has more waiting, without events.
    public mutating func setCaughtUp(_ caughtUp: Bool, for input: String) {
        inputs[input, default: InputProgress()].caughtUp = caughtUp
    }

    /// The watermark of one input at `now`: nil when it has no say (caught up, nothing delivered
    /// yet) or when it holds the clock back altogether (behind, nothing delivered yet) — see
    /// ``Watermark``.
    public func watermark(of input: String, at now: Timestamp) -> Watermark {
        guard let progress = inputs[input] else { return .noSay }
        guard let newest = progress.newest else { return progress.caughtUp ? .noSay : .holding }
        guard progress.caughtUp else { return .at(newest) }
        let idleFor = EventDuration(microseconds: max(0, now.microseconds - (progress.deliveredAt ?? now).microseconds))
        return .at(max(newest, min(now - delay, newest + idleFor)))
    }

    /// Detection's clock at `now`: the minimum of the inputs' watermarks; nil when an input
    /// holds it back or none has a say.
    public func clock(at now: Timestamp) -> Timestamp? {
        var clock: Timestamp?
        for input in inputs.keys {
            switch watermark(of: input, at: now) {
            case .holding: return nil
            case .noSay: continue
            case .at(let time): clock = min(clock ?? time, time)
            }
        }
        return clock
    }

    /// One input's part in the clock.
    public enum Watermark: Sendable, Equatable {
        /// Events up to this time have been delivered, as far as the input can tell.
        case at(Timestamp)
        /// Behind, with no event yet to say how far: the clock waits for it.
        case holding
        /// Caught up without ever delivering: it does not hold the clock back.
        case noSay
    }
}
