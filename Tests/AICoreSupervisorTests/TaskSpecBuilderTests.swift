import AICoreOS
import AICoreRuntime
import AICoreSpec
import AICoreSystem
import Glibc
import Testing
@testable import AICoreSupervisor

@Suite struct TaskSpecBuilderTests {
    let layout = SupervisorLayout(root: "/nonexistent/aicore-test")

    func service(_ configure: (inout Service) -> Void = { _ in }) -> Service {
        var service = Service(name: "api")
        service.command = ["/bin/sleep", "1"]
        configure(&service)
        return service
    }

    func build(_ service: Service, port: Int? = nil, imageRoot: TaskSpec.ImageRoot? = nil) throws -> TaskSpec {
        try TaskSpecBuilder.build(service, stack: "demo", identity: InstanceIdentity(stack: "demo", service: service.name, replica: 1),
                                  layout: layout, port: port, imageRoot: imageRoot)
    }

    @Test func networkModeNoneGivesTheInstanceANetworkOfItsOwn() throws {
        #expect(try build(service()).network == .host)
        #expect(try build(service { $0.networkMode = NetworkMode.none }).network == .none)
    }

    @Test func theOOMScoreIsTheStacksOrZero() throws {
        #expect(try build(service()).oomScoreAdj == 0, "never the agent's own -500")
        #expect(try build(service { $0.oomScoreAdj = 300 }).oomScoreAdj == 300)
    }

    @Test func aReadOnlyTmpfsStaysReadOnly() throws {
        let spec = try build(service {
            $0.volumes = [VolumeMount(kind: .tmpfs, source: nil, target: "/ro", readOnly: true, tmpfsSize: ByteSize(bytes: 4096)),
                          VolumeMount(kind: .tmpfs, source: nil, target: "/rw")]
        })
        #expect(spec.mounts == [MountSpec(destination: "/ro", kind: .tmpfs(sizeBytes: 4096, mode: nil, readOnly: true)),
                                MountSpec(destination: "/rw", kind: .tmpfs(sizeBytes: nil, mode: nil, readOnly: false))])
    }

    @Test func aVolumeSubpathMountsThatDirectoryOfTheVolume() throws {
        let spec = try build(service {
            $0.volumes = [VolumeMount(kind: .volume, source: "data", target: "/var/lib/app", subpath: "app/v2"),
                          VolumeMount(kind: .volume, source: "data", target: "/data", readOnly: true)]
        })
        let directory = layout.volumeDirectory(stack: "demo", volume: "data")
        #expect(spec.mounts == [MountSpec(destination: "/var/lib/app", kind: .bind(source: directory + "/app/v2", readOnly: false)),
                                MountSpec(destination: "/data", kind: .bind(source: directory, readOnly: true))])
    }

    /// Docker's rule: an empty volume (named or anonymous) is filled from the image at its
    /// target, unless `nocopy`; never a bind, a tmpfs, a subpath, or a service on the host root.
    @Test func onlyAVolumeOnAnImageRootWithoutNocopyOrSubpathCopiesTheImagesContent() throws {
        let volumes = [VolumeMount(kind: .volume, source: "data", target: "/data"),
                       VolumeMount(kind: .volume, source: nil, target: "/anonymous"),
                       VolumeMount(kind: .volume, source: "data", target: "/kept", noCopy: true),
                       VolumeMount(kind: .volume, source: "data", target: "/sub", subpath: "app"),
                       VolumeMount(kind: .bind, source: "/srv/app", target: "/bound"),
                       VolumeMount(kind: .tmpfs, source: nil, target: "/scratch")]
        let image = TaskSpec.ImageRoot(layersBase: "/nonexistent/layers", layers: ["top"])
        let onImage = try build(service { $0.volumes = volumes }, imageRoot: image)
        #expect(onImage.mounts.map { "\($0.destination) \($0.copiesImageContent)" } ==
                ["/data true", "/anonymous true", "/kept false", "/sub false", "/bound false", "/scratch false"])
        let onHost = try build(service { $0.volumes = volumes })
        #expect(onHost.mounts.allSatisfy { !$0.copiesImageContent })
    }

    @Test func ulimitsBecomeRlimitsSortedByName() throws {
        let spec = try build(service {
            $0.ulimits = ["nproc": Ulimit(soft: 64, hard: 128), "nofile": Ulimit(soft: 1024, hard: 4096),
                          "core": Ulimit(soft: -1, hard: -1)]
        })
        #expect(spec.rlimits.map(\.name) == ["core", "nofile", "nproc"])
        #expect(spec.rlimits[0] == ResourceLimit(resource: Int32(RLIMIT_CORE.rawValue), name: "core",
                                                 soft: ResourceLimit.unlimited, hard: ResourceLimit.unlimited))
        #expect(spec.rlimits[1] == ResourceLimit(resource: Int32(RLIMIT_NOFILE.rawValue), name: "nofile", soft: 1024, hard: 4096))
        #expect(spec.rlimits[2].soft == 64 && spec.rlimits[2].hard == 128)
    }

    @Test func hidePathsReachTheTask() throws {
        #expect(try build(service()).hiddenPaths.isEmpty)
        #expect(try build(service { $0.aicore.hidePaths = ["/srv/keys"] }).hiddenPaths == ["/srv/keys"])
    }

    @Test func noUlimitsLeaveTheInheritedLimits() throws {
        #expect(try build(service()).rlimits.isEmpty)
    }

    @Test func anUnknownUlimitIsRefused() {
        #expect(throws: TaskSpecBuilder.Failure.self) {
            try build(service { $0.ulimits = ["bogus": Ulimit(soft: 1, hard: 1)] })
        }
    }

    @Test(arguments: [("PORT", nil as String?), ("HTTP_PORT", "HTTP_PORT")])
    func thePortGoesIntoThePortVariable(expected: String, configured: String?) throws {
        let spec = try build(service { s in
            if let configured { s.aicore.portEnv = configured }
            s.environment = [expected: "1", "OTHER": "x"]
        }, port: 41234)
        #expect(spec.environment.filter { $0.hasPrefix(expected + "=") } == ["\(expected)=41234"])
        #expect(spec.environment.contains("OTHER=x"))
    }

    @Test func withoutAPortNoVariableIsSet() throws {
        #expect(!(try build(service()).environment.contains { $0.hasPrefix("PORT=") }))
    }

    @Test func aSingleReplicaGetsItsTargetPort() throws {
        let single = service { $0.ports = [PortMapping(target: 8080), PortMapping(target: 9090)] }
        #expect(try TaskSpecBuilder.instancePort(single, replicas: 1, previous: nil, allocate: { Issue.record("allocated"); return 0 }) == 8080)
        #expect(try TaskSpecBuilder.instancePort(service(), replicas: 1, previous: nil) == nil)
    }

    @Test func eachOfSeveralReplicasGetsAFreshPortUnlessItHasOne() throws {
        let multi = service { $0.ports = [PortMapping(target: 8080)] }
        var next = 50000
        let allocate = { () -> Int in next += 1; return next }
        #expect(try TaskSpecBuilder.instancePort(multi, replicas: 3, previous: nil, allocate: allocate) == 50001)
        #expect(try TaskSpecBuilder.instancePort(multi, replicas: 3, previous: nil, allocate: allocate) == 50002)
        // A re-adopted instance keeps the port its process listens on.
        #expect(try TaskSpecBuilder.instancePort(multi, replicas: 3, previous: 40000, allocate: allocate) == 40000)
    }

    @Test func aLoopbackPortIsFreeAndDistinct() throws {
        let first = try LoopbackPort.allocate()
        let second = try LoopbackPort.allocate()
        #expect((1024...65535).contains(first))
        #expect((1024...65535).contains(second))
        // The port can be bound right away on 127.0.0.1.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(first).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(rc == 0)
    }
}
