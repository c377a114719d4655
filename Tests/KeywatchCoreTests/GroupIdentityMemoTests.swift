import Testing
@testable import KeywatchCore

/// The memo of group identities across batches: whatever it remembers, a group's identity must
/// be the digest of its own values — never another group's, whatever instances hold the values.
@Suite("Group identity memo")
struct GroupIdentityMemoTests {
    private static func identity(_ values: [String]) -> GroupID {
        GroupKey.id(GroupKey.make(values))
    }

    /// A value long enough to live in heap storage, made anew (another instance) on each call.
    private static func long(_ name: String) -> String {
        "arn:aws:iam::111122223333:role/" + name
    }

    @Test("a group is digested once; its identity is the digest of its values")
    func remembersTheSameInstances() {
        let memo = GroupIdentityMemo()
        let values = [Self.long("alice"), "eu-west-1"]
        #expect(memo.id(of: values) == Self.identity(values))
        #expect(memo.id(of: values) == Self.identity(values))
        #expect(memo.count == 1)
    }

    @Test("equal values in other instances get the same identity; order and count tell groups apart")
    func identityFollowsValues() {
        let memo = GroupIdentityMemo()
        let alice = Self.long("alice"), bob = Self.long("bob")
        #expect(memo.id(of: [Self.long("alice")]) == memo.id(of: [alice]))
        #expect(memo.count == 1)
        let groups: [[String]] = [[alice], [bob], [alice, bob], [bob, alice], [alice, ""], ["", alice],
                                  ["a", "b"], ["b", "a"], ["ab"], ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"], []]
        var seen: [GroupID: [String]] = [:]
        for values in groups + groups {
            let id = memo.id(of: values)
            #expect(id == Self.identity(values), "group \(values)")
            if let other = seen[id] { #expect(other == values) }
            seen[id] = values
        }
        #expect(seen.count == groups.count)
        #expect(memo.count == groups.count)
    }

    @Test("across many emptyings and fresh instances, every group keeps its own identity")
    func neverConfusesReusedStorage() {
        let memo = GroupIdentityMemo(capacity: 16)
        var random = SystemRandomNumberGenerator()
        var kept: [[String]] = []
        for round in 0..<20_000 {
            // Most values are dropped at once, so their storage is freed and reused by the next;
            // some are kept and asked about again later.
            let values = [Self.long("user-\(round)-\(random.next() % 1_000)")] + (round % 3 == 0 ? ["x\(round % 7)"] : [])
            #expect(memo.id(of: values) == Self.identity(values))
            if round % 97 == 0 { kept.append(values) }
            if round % 101 == 0, let old = kept.randomElement() {
                #expect(memo.id(of: old) == Self.identity(old))
            }
        }
        #expect(memo.count <= memo.capacity)
    }

    /// Values whose hashes all collide, as a hash-flooding writer would want them.
    private struct CollidingValues: GroupValueReader {
        let values: [String]
        var count: Int { values.count }
        func contentHash(at position: Int) -> UInt64 { 7 }
        func isInstance(_ bits: (UInt64, UInt64), at position: Int) -> Bool { false }
        func matches(_ remembered: String, at position: Int) -> Bool { remembered == values[position] }
        func text(at position: Int) -> String { values[position] }
    }

    @Test("values whose hashes collide are told apart by their text")
    func collidingHashesKeepTheirOwnIdentities() {
        let memo = GroupIdentityMemo()
        let groups = (0..<200).map { [Self.long("user-\($0)")] }
        for values in groups + groups.reversed() {
            #expect(memo.id(of: CollidingValues(values: values)) == Self.identity(values))
        }
        #expect(memo.count == groups.count)
    }
}
