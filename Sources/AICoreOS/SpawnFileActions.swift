import CAICoreShim

#if canImport(Glibc)
import Glibc
#endif

/// posix_spawn file actions glibc does not show Swift.
public enum SpawnFileActions {
    /// The child closes every descriptor from `lowest` up before exec: SwiftNIO opens sockets
    /// without close-on-exec, and a long-lived child that inherited one would keep a listener
    /// bound, or a connection open, after its owner closed it. Returns 0 or an errno.
    @discardableResult
    public static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32 = 3) -> Int32 {
        aic_spawn_actions_closefrom(&actions, lowest)
    }
}
