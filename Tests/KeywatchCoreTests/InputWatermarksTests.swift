import KeywatchCore
import Testing

/// Detection's clock in the daemon: the slowest input's watermark, the wall clock standing in
/// only for inputs that are idle, and never closer to it than the delivery delay.
@Suite("Input watermarks")
struct InputWatermarksTests {
    let now = Timestamp(parsing: "2026-12-07T12:00:00Z")!
    let weeksAgo = Timestamp(parsing: "2026-11-20T09:30:00Z")!

    @Test("an input behind is at its newest event; one caught up moves with the wall clock from its last delivery, at most to now − delay")
    func idleInputsFollowTheWallClock() {
        var watermarks = InputWatermarks(inputs: ["tail:/logs"], delay: .minutes(15))
        watermarks.delivered("tail:/logs", newest: weeksAgo, at: now, caughtUp: false)
        #expect(watermarks.watermark(of: "tail:/logs", at: now + .hours(3)) == .at(weeksAgo), "behind: only events move it")

        watermarks.setCaughtUp(true, for: "tail:/logs")
        // Old logs delivered a moment ago are not judged by today's clock…
        #expect(watermarks.clock(at: now) == weeksAgo)
        #expect(watermarks.clock(at: now + .seconds(20)) == weeksAgo + .seconds(20))
        // …but an input that stays idle is, at wall-clock speed.
        #expect(watermarks.clock(at: now + .hours(3)) == weeksAgo + .hours(3))

        // Live logs, five minutes behind: the watermark waits for the delivery delay.
        let recent = now - .minutes(5)
        watermarks.delivered("tail:/logs", newest: recent, at: now, caughtUp: true)
        #expect(watermarks.clock(at: now) == recent, "never behind its own newest event")
        #expect(watermarks.clock(at: now + .minutes(30)) == now + .minutes(15))
    }

    @Test("the clock is the slowest input's; an input behind with nothing delivered holds it; one caught up with nothing has no say")
    func theSlowestInputSetsTheClock() {
        var watermarks = InputWatermarks(inputs: ["tail:/a", "tail:/b", "push"], delay: .minutes(15))
        watermarks.setCaughtUp(true, for: "push")
        watermarks.delivered("tail:/a", newest: now - .hours(1), at: now, caughtUp: false)
        #expect(watermarks.clock(at: now) == nil, "tail:/b has not said how far it is")
        #expect(watermarks.watermark(of: "tail:/b", at: now) == .holding)

        watermarks.delivered("tail:/b", newest: now - .hours(3), at: now, caughtUp: false)
        #expect(watermarks.clock(at: now) == now - .hours(3), "b is behind: a's groups wait for it")
        #expect(watermarks.watermark(of: "push", at: now) == .noSay)

        watermarks.delivered("tail:/b", newest: now - .minutes(2), at: now, caughtUp: true)
        #expect(watermarks.clock(at: now) == now - .hours(1))
        // An earlier event delivered later does not move a watermark back.
        watermarks.delivered("tail:/a", newest: now - .hours(2), at: now, caughtUp: false)
        #expect(watermarks.clock(at: now) == now - .hours(1))
    }

    @Test("after a restart an input is behind until it says otherwise, and an idle one is judged by when it last delivered")
    func restoredProgress() {
        let kept = InputProgress(newest: now - .hours(4), deliveredAt: now - .hours(3), caughtUp: true)
        var watermarks = InputWatermarks(inputs: ["tail:/logs", "push"], delay: .minutes(15),
                                         restored: ["tail:/logs": kept, "tail:/gone": kept])
        watermarks.setCaughtUp(true, for: "push")
        #expect(watermarks.clock(at: now) == now - .hours(4), "not caught up yet: at its newest event")
        #expect(watermarks.inputs["tail:/gone"] == nil, "an input no longer configured holds nothing back")
        watermarks.setCaughtUp(true, for: "tail:/logs")
        #expect(watermarks.clock(at: now) == now - .hours(1), "quiet for three hours while keywatch was down")
    }
}
