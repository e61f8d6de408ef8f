/// Which extended attributes from a layer are written. The layer is untrusted, and some
/// namespaces carry meaning for the kernel rather than for the image:
/// - `trusted.overlay.*` (and `user.overlay.*`, overlayfs's keys when mounted with `userxattr`)
///   would forge overlay metadata: an opaque flag, a redirect to another path of a lower layer,
///   a metacopy. The whole layer is refused.
/// - `user.*` and `security.capability` (file capabilities, as `setcap` leaves them, which images
///   such as ping's rely on) are written.
/// - Everything else (`trusted.*`, `security.selinux` and other LSM labels, `system.*` ACLs) is
///   the host's to decide; it is skipped and counted.
enum ExtendedAttributePolicy {
    enum Decision: Equatable {
        case apply, skip, refuse
    }

    static func decide(_ key: [UInt8]) -> Decision {
        func starts(_ prefix: String) -> Bool { key.starts(with: prefix.utf8) }
        if starts("trusted.overlay.") || starts("user.overlay.") { return .refuse }
        if starts("user.") && key.count > "user.".utf8.count { return .apply }
        if key.elementsEqual("security.capability".utf8) { return .apply }
        return .skip
    }
}
