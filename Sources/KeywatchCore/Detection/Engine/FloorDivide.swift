/// Division rounding toward negative infinity: windows and periods are aligned to the epoch, and
/// event times before 1970 exist in hostile input.
@inline(__always)
func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}
