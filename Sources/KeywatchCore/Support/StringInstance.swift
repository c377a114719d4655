/// A `String`'s own bits — its 16 bytes — read in place: whether two places hold the same
/// instance, found without reading the text and without the retain and release of a copy.
///
/// Swift does not document what a `String`'s bytes are, so the tests (`StringInstanceTests`) pin
/// what this relies on: a `String` is 16 bytes; copies of a value have its bits; and equal bits
/// mean equal values — a small string keeps its UTF-8 in those bytes, a large one points to its
/// storage, which cannot be reused while both places hold it. Unequal bits say nothing: equal
/// text may sit in two instances.
enum StringInstance {
    typealias Bits = (UInt64, UInt64)

    /// The bits of the `String` at `pointer`.
    @inline(__always)
    static func bits(of pointer: UnsafePointer<String>) -> Bits {
        UnsafeRawPointer(pointer).load(as: Bits.self)
    }

    /// The bits of the `String` stored `offset` bytes into the value at `base`.
    @inline(__always)
    static func bits<Holder>(of base: UnsafeMutablePointer<Holder>, at offset: Int) -> Bits {
        UnsafeRawPointer(base).load(fromByteOffset: offset, as: Bits.self)
    }

    /// The bits of `string`.
    static func bits(of string: String) -> Bits {
        withUnsafeBytes(of: string) { $0.load(as: Bits.self) }
    }
}
