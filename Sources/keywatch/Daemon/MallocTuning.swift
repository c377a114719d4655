/// Keeps a daemon that runs for months from holding the memory of its busiest minute.
///
/// glibc raises its mmap threshold after each large free, up to 32 MB; batches of megabytes then
/// come from its heaps, and what they free stays there. After tailing the bench corpus the
/// daemon held 1.1 GB, idle; with the threshold fixed at 1 MB, 0.2 GB (`malloc_trim` when idle
/// left 0.43 GB). The price is that every large buffer faults its pages in afresh: a second of
/// system time per 750 MB read, measured on `ingest --dry-run` — which is why the one-shot
/// commands keep glibc's default.
enum MallocTuning {
    /// Serves allocations of a megabyte or more from mappings of their own, returned on free.
    static func keepLargeBuffersOutOfTheHeap() {
        #if canImport(Glibc)
        _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 1 << 20)
        #endif
    }
}

#if canImport(Glibc)
/// glibc's `mallopt` of `<malloc.h>`, which the Glibc module does not import.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
