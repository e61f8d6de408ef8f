import CAICoreShim

/// glibc's allocator gives each thread that allocates its own arena, up to eight per core. The
/// agent's allocations are small and short-lived and hop between a handful of threads, so each
/// arena ends up holding freed memory of its own: at 500 instances that was about 15 MiB of the
/// agent's RSS. Two arenas keep contention low on these threads and the heap compact.
public enum MallocArenas {
    public static let agentLimit: Int32 = 2

    /// Call before the process starts its threads. Returns false if glibc refused.
    @discardableResult
    public static func limit(to arenas: Int32 = agentLimit) -> Bool {
        aic_malloc_arena_max(arenas) == 0
    }
}
