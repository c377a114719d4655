import Foundation
import Testing
import KeywatchTestSupport
@testable import KeywatchIngest

/// Which files a directory given to `ingest` stands for.
@Suite("Input files")
struct InputFilesTests {
    @Test("a directory is its regular files, recursively: hidden entries skipped, links to files followed, links to directories not")
    func walksDirectories() throws {
        let outside = TemporaryDirectory()
        let elsewhere = try outside.write("elsewhere.json", "{}")
        let linkedFolder = try outside.write("folder/inside.json", "{}")
        let tree = TemporaryDirectory()
        try tree.write("top.json", "{}")
        try tree.write("a/b/c/deep.json", "{}")
        try tree.write(".hidden.json", "{}")
        try tree.write("a/.cache/hidden-folder.json", "{}")
        try FileManager.default.createSymbolicLink(atPath: tree.path("a/link.json"), withDestinationPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: tree.path("a/folder-link"), withDestinationPath: (linkedFolder as NSString).deletingLastPathComponent)
        try FileManager.default.createSymbolicLink(atPath: tree.path("a/dangling.json"), withDestinationPath: tree.path("gone.json"))
        mkfifo(tree.path("a/pipe"), 0o600)

        let root = tree.url.resolvingSymlinksInPath().path
        let files = try InputFiles.expand([tree.url.path])
        #expect(Set(files) == [root + "/top.json", root + "/a/b/c/deep.json", root + "/a/link.json"])
        #expect(files.count == 3)
        // Named twice, through its folder and directly: once.
        #expect(try InputFiles.expand([tree.url.path, root + "/top.json"]).count == 3)
    }

    @Test("a directory reached through a link is walked, its files named under the resolved path")
    func resolvesTheNamedDirectory() throws {
        let tree = TemporaryDirectory()
        let file = try tree.write("logs/one.json", "{}")
        try FileManager.default.createSymbolicLink(atPath: tree.path("alias"), withDestinationPath: tree.path("logs"))
        let files = try InputFiles.expand([tree.path("alias")])
        #expect(files == [URL(fileURLWithPath: file).resolvingSymlinksInPath().path])
    }

    @Test("the total size counts every file, and nothing for one that is gone")
    func totalSize() throws {
        let tree = TemporaryDirectory()
        let a = try tree.write("a.json", Array(repeating: UInt8(ascii: "x"), count: 1_000))
        let b = try tree.write("b.json", Array(repeating: UInt8(ascii: "y"), count: 234))
        #expect(InputFiles.totalSize([a, b, tree.path("gone.json")]) == 1_234)
    }
}
