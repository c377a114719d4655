import Foundation
import KeywatchTestSupport
import Testing

@Suite("PostgreSQL test server")
struct PostgresServerTests {
    @Test("the server starts while the test process holds a thousand descriptors, none of which it inherits")
    func manyOpenDescriptors() throws {
        // A busy test run holds sockets and files; a server inheriting them counts them against
        // its limit of 1,000 and refuses to start.
        var descriptors: [Int32] = []
        defer { descriptors.forEach { close($0) } }
        for _ in 0..<500 {
            var pair: [Int32] = [0, 0]
            guard pipe(&pair) == 0 else { break }
            descriptors += pair
        }
        #expect(descriptors.count == 1000)
        let server = try PostgresServer()
        defer { server.stop() }
        let database = try server.createDatabase()
        try server.psql("CREATE TABLE t (id integer)", database: database)
    }
}
