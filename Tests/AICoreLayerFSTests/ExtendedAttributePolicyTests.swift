import Testing
@testable import AICoreLayerFS

@Suite struct ExtendedAttributePolicyTests {
    @Test(arguments: ["user.mime_type", "user.x", "security.capability"])
    func writesUserAttributesAndFileCapabilities(key: String) {
        #expect(ExtendedAttributePolicy.decide(Array(key.utf8)) == .apply)
    }

    /// overlayfs reads these from a lower layer: an opaque flag, a redirect, a metacopy.
    @Test(arguments: ["trusted.overlay.opaque", "trusted.overlay.redirect", "trusted.overlay.metacopy",
                      "trusted.overlay.origin", "user.overlay.opaque"])
    func refusesOverlayMetadata(key: String) {
        #expect(ExtendedAttributePolicy.decide(Array(key.utf8)) == .refuse)
    }

    @Test(arguments: ["trusted.md5sum", "trusted.overlay", "security.selinux", "security.ima",
                      "system.posix_acl_access", "user.", "userx.y", "other"])
    func skipsWhatIsTheHostsToDecide(key: String) {
        #expect(ExtendedAttributePolicy.decide(Array(key.utf8)) == .skip)
    }
}
