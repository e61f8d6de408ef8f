import AICoreAddresses
import AICoreErrors
import Testing
@testable import AICoreServer

/// `validate`: the dry run of `apply` (`config validate`, `POST /v1/stacks/validate`). It
/// reports every problem the node has with a stack, one key path each, and leaves the Store,
/// the desired state and the node's networks as they were.
extension ControlPlaneTests {
    /// Stack `shop`: `web` publishes 8080 on network `back` (10.230.0.0/24); `web-api` runs nothing.
    static let shop = """
    name: shop
    services:
      web:
        command: ["/bin/sleep", "300"]
        ports: ["8080:80"]
        networks: [back]
      web-api:
        command: ["/bin/true"]
        deploy: {replicas: 0}
    networks:
      back:
        ipam:
          config:
            - subnet: 10.230.0.0/24

    """

    /// Stack `shop-web`, in `shop`'s way five times over: its `api` is named as `shop`'s
    /// `web-api` would be, publishes 8080 too, and its networks overlap `shop`'s, overlap a
    /// route of the node, or do not exist.
    static let clashing = """
    name: shop-web
    services:
      api:
        command: ["/bin/sleep", "300"]
        ports: ["8080:80"]
        networks: [back, edge, outside]
    networks:
      back:
        ipam:
          config:
            - subnet: 10.230.0.0/24
      edge:
        ipam:
          config:
            - subnet: 10.99.5.0/24
      outside:
        external: true
        name: nobody-made-this

    """

    @Test func validateReportsEveryProblemOfTheNodeAndChangesNothing() async throws {
        agent.setRoutes([IPv4Network("10.99.0.0/16")!])
        _ = try await plane.apply(text: Self.shop, path: "/nonexistent/shop.yml", projectName: nil)
        await plane.settle("shop")
        let before = agent.recorded
        #expect(Array(before.networks.keys) == ["shop_back"])

        let error = await #expect(throws: AICoreError.self) {
            try await plane.validate(text: Self.clashing, path: "/nonexistent/shop-web.yml", projectName: nil)
        }
        #expect(error?.code == .conflict)
        let details = error?.details ?? []
        #expect(details.count == 5, "\(details)")
        #expect(Set(details) == [
            "services.api.ports[0]: host port 0.0.0.0:8080/tcp is already published by stack shop (service web, 0.0.0.0:8080/tcp)",
            "services.api: instance names shop-web-api-N are already those of stack shop (service web-api); rename the stack or the service",
            "networks.outside.external: the external network nobody-made-this does not exist on this node; `up` the stack that declares it first",
            "networks.back.ipam.config[0].subnet: 10.230.0.0/24 overlaps 10.230.0.0/24 of network shop_back on this node; choose another subnet",
            "networks.edge.ipam.config[0].subnet: 10.99.5.0/24 overlaps the host's route to 10.99.0.0/16; choose another subnet",
        ], "\(details)")
        #expect(error?.message.hasPrefix("stack shop-web cannot publish its ports: host port 0.0.0.0:8080/tcp") == true, "\(error?.message ?? "")")

        // Nothing of shop-web was saved, made or started.
        #expect(try await store.stacks().map(\.name) == ["shop"])
        await #expect(throws: AICoreError.self) { try await plane.stack(named: "shop-web") }
        let after = agent.recorded
        #expect(after.networks == before.networks)
        #expect(after.started == before.started)
    }

    @Test func aStackTheNodeCanTakeIsValidWithItsWarningsAndIsNotSaved() async throws {
        _ = try await plane.apply(text: Self.shop, path: "/nonexistent/shop.yml", projectName: nil)
        await plane.settle("shop")
        // The same stack again is no clash with itself, as a second `up` is not.
        #expect(try await plane.validate(text: Self.shop, path: "/nonexistent/shop.yml", projectName: nil).isEmpty)

        let other = Self.shop.replacingOccurrences(of: "name: shop", with: "name: other")
            .replacingOccurrences(of: "8080:80", with: "8081:80").replacingOccurrences(of: "10.230.0.0/24", with: "10.231.0.0/24")
            .replacingOccurrences(of: "    ports:", with: "    container_name: web\n    ports:")
        let warnings = try await plane.validate(text: other, path: "/nonexistent/other.yml", projectName: nil)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("/nonexistent/other.yml:5:5: warning: services.web.container_name:"), "\(warnings)")
        #expect(try await store.stacks().map(\.name) == ["shop"])
        #expect(Array(agent.recorded.networks.keys) == ["shop_back"])
    }

    @Test func anApplyWhoseSubnetOverlapsARouteOfTheNodeIsRefusedBeforeAnythingIsSaved() async throws {
        agent.setRoutes([IPv4Network("10.230.0.0/16")!])
        let error = await #expect(throws: AICoreError.self) {
            try await plane.apply(text: Self.shop, path: "/nonexistent/shop.yml", projectName: nil)
        }
        #expect(error?.code == .conflict)
        #expect(error?.details == [
            "networks.back.ipam.config[0].subnet: 10.230.0.0/24 overlaps the host's route to 10.230.0.0/16; choose another subnet",
        ])
        #expect(try await store.stacks().isEmpty)
        #expect(agent.recorded.networks.isEmpty && agent.recorded.started.isEmpty)
    }

    @Test func anIPv6SubnetThatOverlapsAnIPv6RouteOfTheNodeIsRefusedBeforeAnythingIsSaved() async throws {
        agent.setRoutes6([IPv6Network("fd99::/48")!])
        let sixes = Self.shop.replacingOccurrences(of: "    ipam:", with: "    enable_ipv6: true\n    ipam:")
            .replacingOccurrences(of: "        - subnet: 10.230.0.0/24", with: "        - subnet: 10.230.0.0/24\n        - subnet: fd99:0:0:5::/64")
        for check in ["validate", "apply"] {
            let error = await #expect(throws: AICoreError.self) {
                if check == "validate" {
                    _ = try await plane.validate(text: sixes, path: "/nonexistent/shop.yml", projectName: nil)
                } else {
                    _ = try await plane.apply(text: sixes, path: "/nonexistent/shop.yml", projectName: nil)
                }
            }
            #expect(error?.code == .conflict, "\(check)")
            #expect(error?.details == [
                "networks.back.ipam.config: the IPv6 subnet fd99:0:0:5::/64 overlaps the host's route to fd99::/48; choose another subnet",
            ], "\(check)")
        }
        #expect(try await store.stacks().isEmpty)
        #expect(agent.recorded.networks.isEmpty && agent.recorded.started.isEmpty)
        // A route elsewhere is no overlap.
        agent.setRoutes6([IPv6Network("fd98::/48")!])
        #expect(try await plane.validate(text: sixes, path: "/nonexistent/shop.yml", projectName: nil).isEmpty)
    }

    @Test func aFileWithErrorsIsInvalidAtValidateAsAtApply() async throws {
        let error = await #expect(throws: AICoreError.self) {
            try await plane.validate(text: "services:\n  web:\n    command: [\"true\"]\n    deploy: {replicas: three}\n",
                                     path: "/nonexistent/bad.yml", projectName: "bad")
        }
        #expect(error?.code == .invalidSpec)
        #expect(error?.details.count == 1 && error?.details.first?.contains("error: services.web.deploy.replicas:") == true,
                "\(error?.details ?? [])")
        #expect(try await store.stacks().isEmpty)
    }
}
