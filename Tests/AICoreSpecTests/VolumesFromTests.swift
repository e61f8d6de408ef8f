import Testing

@testable import AICoreSpec

/// `volumes_from`: a service takes the bind mounts and named volumes of the services it names,
/// as Docker gives a container another's mounts; what cannot be shared is a located error.
@Suite("volumes_from")
struct VolumesFromTests {
    static let sharing = """
        services:
          data:
            command: [/bin/sleep, "1000"]
            volumes:
              - shared:/shared
              - ./conf:/conf:ro
              - type: tmpfs
                target: /scratch
          app:
            command: [/bin/sleep, "1000"]
            volumes_from: [data]
            volumes:
              - ./own:/conf
          reader:
            command: [/bin/sleep, "1000"]
            volumes_from: ["app:ro"]
        volumes:
          shared: {}
        """

    @Test("mounts are taken transitively, :ro makes them read-only, the service's own target wins, and the source starts first")
    func sharesMounts() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: Self.sharing, strict: true)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings.map(\.description))")
        let app = try #require(loaded.stack.service(named: "app"))
        // Its own /conf, then data's named volume; data's tmpfs is not a volume to share.
        #expect(app.volumes.map(\.target) == ["/conf", "/shared"])
        #expect(app.volumes.first?.source == fixture.directory + "/own")
        #expect(app.volumes.last == VolumeMount(kind: .volume, source: "shared", target: "/shared"))
        #expect(app.dependsOn == [ServiceDependency(service: "data")])
        let reader = try #require(loaded.stack.service(named: "reader"))
        #expect(reader.volumes.map(\.target) == ["/conf", "/shared"])
        #expect(reader.volumes.map(\.readOnly) == [true, true])
        #expect(reader.dependsOn.map(\.service) == ["app"])
    }

    @Test("config print gives the mounts taken back, and reloading it gives the same model")
    func roundTrip() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let original = try fixture.load(yaml: Self.sharing).stack
        let printed = StackPrinter.render(original, format: .yaml)
        #expect(!printed.contains("volumes_from"))
        try fixture.write("printed.yaml", printed)
        #expect(try fixture.load(["printed.yaml"]).stack == original)
    }

    @Test("`:rw` makes a read-only mount writable, as Docker's volumes-from does")
    func readWrite() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: """
            services:
              data:
                command: [/bin/true]
                volumes: ["shared:/shared:ro"]
              app:
                command: [/bin/true]
                volumes_from: ["data:rw"]
            volumes:
              shared:
            """)
        #expect(loaded.stack.service(named: "app")?.volumes.map(\.readOnly) == [false])
    }

    @Test("a container outside the stack is unsupported, at its item")
    func container() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let loaded = try fixture.load(yaml: """
            services:
              app:
                command: [/bin/true]
                volumes_from: ["container:legacy"]
            """)
        #expect(loaded.blockingWarnings.map(\.keyPath) == ["services.app.volumes_from[0]"])
        #expect(loaded.blockingWarnings.first?.message.hasPrefix("`container:legacy` names a container outside the stack") == true)
    }

    @Test("reports the error at its line, column and key path", arguments: badInputs)
    func locatedError(_ input: BadInputTests.BadInput) throws {
        try BadInputTests.expectLocatedError(input)
    }

    static let badInputs: [BadInputTests.BadInput] = [
        .init("an unknown service", """
            services:
              app:
                command: [/bin/true]
                volumes_from: [ghost]
            """, at: 4, 20, "services.app.volumes_from[0]", "volumes_from names `ghost`, which is not a service of this stack"),
        .init("the service itself", """
            services:
              app:
                command: [/bin/true]
                volumes_from: [app]
            """, at: 4, 20, "services.app.volumes_from[0]", "a service cannot take volumes from itself"),
        .init("a cycle", """
            services:
              a:
                command: [/bin/true]
                volumes_from: [b]
              b:
                command: [/bin/true]
                volumes_from: [a]
            """, at: 7, 20, "services.b.volumes_from[0]", "volumes_from makes a cycle: a → b → a"),
        .init("an anonymous volume of the named service", """
            services:
              data:
                command: [/bin/true]
                volumes: [/cache]
              app:
                command: [/bin/true]
                volumes_from: [data]
            """, at: 7, 20, "services.app.volumes_from[0]", "`data` mounts an anonymous volume at /cache, and each of its instances has its own"),
        .init("a mode that is neither ro nor rw", """
            services:
              data:
                command: [/bin/true]
              app:
                command: [/bin/true]
                volumes_from: ["data:z"]
            """, at: 6, 20, "services.app.volumes_from[0]", "expected SERVICE, SERVICE:ro or SERVICE:rw, found \"data:z\""),
        .init("a mapping instead of a list", """
            services:
              app:
                command: [/bin/true]
                volumes_from: {data: ro}
            """, at: 4, 19, "services.app.volumes_from", "expected a list of services (SERVICE or SERVICE:ro), found a mapping"),
    ]
}
