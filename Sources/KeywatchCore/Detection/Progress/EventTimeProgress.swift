/// What moves detection's clock, the event time up to which groups are looked at: quiet groups
/// forgotten, silences raised.
public enum EventTimeProgress: Sendable, Equatable {
    /// The newest event seen: a backfill, or a rule test, reading one input whose events come
    /// roughly in order.
    case newestEvent
    /// A time the caller vouches for: the daemon's minimum over its inputs' watermarks (see
    /// ``InputWatermarks``), or nil while some input cannot say how far it has come. The
    /// events themselves then never move the clock: one input far ahead must not close the
    /// windows another one is still filling.
    case watermark(Timestamp?)
}
