import Foundation
import Testing

@testable import AICoreSpec

/// Broken stack files, each with the one error a user should see: its exact line, column and
/// key path, and what the message says.
@Suite("Bad input")
struct BadInputTests {
    struct BadInput: CustomTestStringConvertible, Sendable {
        let description: String
        let yaml: String
        let line: Int
        let column: Int
        let keyPath: String
        let message: String
        /// How many errors the file has; a single mistake should not cascade into several.
        let errorCount: Int

        init(
            _ description: String, _ yaml: String, at line: Int, _ column: Int, _ keyPath: String, _ message: String,
            errors: Int = 1
        ) {
            self.description = description
            self.yaml = yaml
            self.line = line
            self.column = column
            self.keyPath = keyPath
            self.message = message
            self.errorCount = errors
        }

        var testDescription: String { description }
    }

    @Test("reports the error at its line, column and key path", arguments: cases)
    func locatedError(_ input: BadInput) throws {
        try Self.expectLocatedError(input)
    }

    /// `input` loads with exactly its error, at its line, column and key path.
    static func expectLocatedError(_ input: BadInput) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let errors = fixture.errors(yaml: input.yaml)
        #expect(errors.count == input.errorCount, "errors: \(errors.map(\.description))")
        let error = try #require(errors.first)
        #expect(error.severity == .error)
        #expect(error.location?.file == fixture.directory + "/stack.yml")
        #expect(error.location?.line == input.line)
        #expect(error.location?.column == input.column)
        #expect(error.keyPath == input.keyPath)
        #expect(error.message.contains(input.message), "message: \(error.message)")
    }

    static let cases: [BadInput] = [
        BadInput(
            "deploy.replicas is a word, not a number",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  replicas: three
            """,
            at: 5, 17, "services.api.deploy.replicas", #"expected a non-negative integer, found "three""#),
        BadInput(
            "ports is a mapping instead of a list",
            """
            services:
              api:
                command: sleep 1
                ports:
                  http: 80
            """,
            at: 5, 7, "services.api.ports", "expected a list of ports, found a mapping"),
        BadInput(
            "environment is a number",
            """
            services:
              api:
                command: sleep 1
                environment: 42
            """,
            at: 4, 18, "services.api.environment", #"expected a mapping or a list of KEY=VALUE strings, found "42""#),
        BadInput(
            "read_only is neither true nor false",
            """
            services:
              api:
                command: sleep 1
                read_only: maybe
            """,
            at: 4, 16, "services.api.read_only", #"expected true or false, found "maybe""#),
        BadInput(
            "a misspelt service key gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                helthcheck:
                  test: true
            """,
            at: 4, 5, "services.api.helthcheck", "unknown key `helthcheck` in service; did you mean `healthcheck`?"),
        BadInput(
            "a misspelt command gets a did-you-mean",
            """
            services:
              api:
                image: alpine
                comand: sleep 1
            """,
            at: 4, 5, "services.api.comand", "unknown key `comand` in service; did you mean `command`?"),
        BadInput(
            "a misspelt key inside deploy gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  replcias: 2
            """,
            at: 5, 7, "services.api.deploy.replcias", "unknown key `replcias` in deploy; did you mean `replicas`?"),
        BadInput(
            "a misspelt key inside healthcheck gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                healthcheck:
                  test: ["CMD", "true"]
                  intervall: 5s
            """,
            at: 6, 7, "services.api.healthcheck.intervall", "unknown key `intervall` in healthcheck; did you mean `interval`?"),
        BadInput(
            "an unknown top-level key is told to start with x-",
            """
            services:
              api:
                command: sleep 1
            foo: bar
            """,
            at: 4, 1, "foo", "unknown key `foo` in top level; extension keys must start with `x-`"),
        BadInput(
            "a misspelt top-level key gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
            volumse: {}
            """,
            at: 4, 1, "volumse", "unknown key `volumse` in top level; did you mean `volumes`?"),
        BadInput(
            "a duration in words",
            """
            services:
              api:
                command: sleep 1
                stop_grace_period: 10 seconds
            """,
            at: 4, 24, "services.api.stop_grace_period", #"expected a duration like 10s, 500ms or 1m30s, found "10 seconds""#),
        BadInput(
            "a zero healthcheck interval",
            """
            services:
              api:
                command: sleep 1
                healthcheck:
                  test: ["CMD", "true"]
                  interval: 0s
            """,
            at: 6, 17, "services.api.healthcheck.interval", #"expected a duration greater than zero, found "0s""#),
        BadInput(
            "a negative healthcheck timeout",
            """
            services:
              api:
                command: sleep 1
                healthcheck:
                  test: ["CMD", "true"]
                  timeout: -5s
            """,
            at: 6, 16, "services.api.healthcheck.timeout", #"expected a duration greater than zero, found "-5s""#),
        BadInput(
            "a byte size in words",
            """
            services:
              api:
                command: sleep 1
                mem_limit: 2 gigs
            """,
            at: 4, 16, "services.api.mem_limit", #"expected a size like 512m, 2G or 1gb, found "2 gigs""#),
        BadInput(
            "a host port above 65535",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - "99999:80"
            """,
            at: 5, 9, "services.api.ports[0]", #"expected a host port or range (1-65535) in "99999:80""#),
        BadInput(
            "a port that is not a number",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - "abc"
            """,
            at: 5, 9, "services.api.ports[0]", #"expected a container port or range (1-65535) in "abc""#),
        BadInput(
            "a port with too many colons",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - "1:2:3:4"
            """,
            at: 5, 9, "services.api.ports[0]", "too many colons; write an IPv6 host address in brackets, like [::1]:8080:80"),
        BadInput(
            "port ranges of different lengths",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - "8000-8002:80-81"
            """,
            at: 5, 9, "services.api.ports[0]", #"the host range and the container range of "8000-8002:80-81" differ in length"#),
        BadInput(
            "an unknown port protocol",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - "80/xtp"
            """,
            at: 5, 9, "services.api.ports[0]", #"unknown protocol "xtp"; expected tcp, udp or sctp"#),
        BadInput(
            "a long-form port published on 0",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - target: 80
                    published: "0"
            """,
            at: 6, 20, "services.api.ports[0].published", #"expected a port or range from 1 to 65535, found "0""#),
        BadInput(
            "a long-form port without a target",
            """
            services:
              api:
                command: sleep 1
                ports:
                  - published: 8080
            """,
            at: 5, 9, "services.api.ports[0]", "a port needs a `target`"),
        BadInput(
            "a volume with a relative target",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - ./data:data
            """,
            at: 5, 9, "services.api.volumes[0]", #"expected an absolute path inside the instance, found "data""#),
        BadInput(
            "a volume target climbing out with ..",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - ./data:/data/../etc
            """,
            at: 5, 9, "services.api.volumes[0]",
            #"expected a path inside the instance without . or .. components, found "/data/../etc""#),
        BadInput(
            "a long-form volume target with a . component",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - type: volume
                    source: data
                    target: /srv/./data
            volumes:
              data: {}
            """,
            at: 7, 17, "services.api.volumes[0].target",
            #"expected a path inside the instance without . or .. components, found "/srv/./data""#),
        BadInput(
            "an anonymous volume over the whole root",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - /
            """,
            at: 5, 9, "services.api.volumes[0]", #"expected a path below / inside the instance, found "/""#),
        BadInput(
            "a tmpfs climbing out with ..",
            """
            services:
              api:
                command: sleep 1
                tmpfs: [/run/../etc]
            """,
            at: 4, 13, "services.api.tmpfs[0]",
            #"expected a path inside the instance without . or .. components, found "/run/../etc""#),
        BadInput(
            "a volume with an unknown option",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - ./data:/data:rox
            """,
            at: 5, 9, "services.api.volumes[0]", #"unknown volume option "rox"; expected ro, rw, nocopy or a propagation mode"#),
        BadInput(
            "a named volume that is not declared",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - cache:/cache
            """,
            at: 5, 9, "services.api.volumes[0]", "refers to undefined volume `cache`; declare it under the top-level `volumes:`"),
        BadInput(
            "a volume source that is neither a path nor a name",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - "@x:/x"
            """,
            at: 5, 9, "services.api.volumes[0]", #""@x" is neither a path (start it with ./ or /) nor a volume name"#),
        BadInput(
            "two volumes on one target",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - ./a:/x
                  - ./b:/x
            """,
            at: 6, 9, "services.api.volumes[1]", "two volumes are mounted at /x"),
        BadInput(
            "a long-form volume of an unknown type",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - type: nfs
                    source: ./x
                    target: /x
            """,
            at: 5, 15, "services.api.volumes[0].type", #"expected one of `bind`, `volume`, `tmpfs`, found "nfs""#),
        BadInput(
            "a network that is not declared",
            """
            services:
              api:
                command: sleep 1
                networks:
                  - backend
            """,
            at: 5, 9, "services.api.networks", "refers to undefined network `backend`; declare it under the top-level `networks:`"),
        BadInput(
            "depends_on names a missing service, with a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                depends_on:
                  - dbb
              db:
                command: sleep 1
            """,
            at: 5, 9, "services.api.depends_on.dbb", "depends on undefined service `dbb`; did you mean `db`?"),
        BadInput(
            "a two-service dependency cycle is named",
            """
            services:
              a:
                command: sleep 1
                depends_on: [b]
              b:
                command: sleep 1
                depends_on: [a]
            """,
            at: 7, 18, "services.b.depends_on.a", "dependency cycle: a -> b -> a"),
        BadInput(
            "a three-service dependency cycle is named",
            """
            services:
              a:
                command: x
                depends_on: [b]
              b:
                command: x
                depends_on: [c]
              c:
                command: x
                depends_on:
                  a:
                    condition: service_healthy
            """,
            at: 11, 7, "services.c.depends_on.a", "dependency cycle: a -> b -> c -> a"),
        BadInput(
            "a service that depends on itself",
            """
            services:
              api:
                command: sleep 1
                depends_on:
                  api:
                    condition: service_started
            """,
            at: 5, 7, "services.api.depends_on.api", "a service cannot depend on itself"),
        BadInput(
            "two services publish the same host port",
            """
            services:
              api:
                command: sleep 1
                ports: ["8080:80"]
              web:
                command: sleep 1
                ports: ["8080:81"]
            """,
            at: 7, 13, "services.web.ports[0]", "host port 8080/tcp is already published by service `api` (services.api.ports[0])"),
        BadInput(
            "a port on every address clashes with one on 127.0.0.1",
            """
            services:
              api:
                command: sleep 1
                ports: ["127.0.0.1:8080:80"]
              web:
                command: sleep 1
                ports: ["8080:81"]
            """,
            at: 7, 13, "services.web.ports[0]", "host port 8080/tcp is already published by service `api` (services.api.ports[0])"),
        BadInput(
            "a host port inside another service's range",
            """
            services:
              api:
                command: sleep 1
                ports: ["8000-8001:80-81"]
              web:
                command: sleep 1
                ports: ["8001:90"]
            """,
            at: 7, 13, "services.web.ports[0]", "host port 8001/tcp is already published by service `api` (services.api.ports[0])"),
        BadInput(
            "one service publishes a host port twice",
            """
            services:
              api:
                command: sleep 1
                ports: ["8080:80", "8080:81"]
            """,
            at: 4, 24, "services.api.ports[1]", "host port 8080/tcp is already published by this service (services.api.ports[0])"),
        BadInput(
            "scale disagrees with deploy.replicas",
            """
            services:
              api:
                command: sleep 1
                scale: 2
                deploy:
                  replicas: 3
            """,
            at: 4, 12, "services.api.scale", "scale (2) disagrees with deploy.replicas (3); set only one"),
        BadInput(
            "a memory limit smaller than the reservation",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  resources:
                    limits:
                      memory: 256m
                    reservations:
                      memory: 1g
            """,
            at: 9, 11, "services.api.deploy.resources.reservations.memory", "the memory reservation (1G) is larger than the memory limit (256M)"),
        BadInput(
            "a cpu limit smaller than the reservation",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  resources:
                    limits:
                      cpus: "0.5"
                    reservations:
                      cpus: "2"
            """,
            at: 9, 11, "services.api.deploy.resources.reservations.cpus", "the cpu reservation (2) is larger than the cpu limit (0.5)"),
        BadInput(
            "an invalid stop signal",
            """
            services:
              api:
                command: sleep 1
                stop_signal: SIGFOO
            """,
            at: 4, 18, "services.api.stop_signal", #"expected a signal name like SIGTERM or SIGQUIT, or a number from 1 to 64, found "SIGFOO""#),
        BadInput(
            "an invalid restart value",
            """
            services:
              api:
                command: sleep 1
                restart: sometimes
            """,
            at: 4, 14, "services.api.restart", #"expected `no`, `always`, `on-failure`, `on-failure:N` or `unless-stopped`, found "sometimes""#),
        BadInput(
            "hide_paths holds a relative path",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  hide_paths: [/srv/keys, secrets]
            """,
            at: 5, 31, "services.api.x-aicore.hide_paths[1]", #"expected an absolute path, found "secrets""#),
        BadInput(
            "hide_paths asks to hide the whole root",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  hide_paths:
                    - /
            """,
            at: 6, 11, "services.api.x-aicore.hide_paths[0]", "cannot hide /, the whole root"),
        BadInput(
            "hide_paths climbs with ..",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  hide_paths: ["/srv/../etc"]
            """,
            at: 5, 20, "services.api.x-aicore.hide_paths[0]", #"expected a path without . or .. components, found "/srv/../etc""#),
        BadInput(
            "hide_paths is one path, not a list",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  hide_paths: /srv/keys
            """,
            at: 5, 19, "services.api.x-aicore.hide_paths", #"expected a list of absolute paths, found "/srv/keys""#),
        BadInput(
            "an unknown proxy balance",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  proxy:
                    balance: random
            """,
            at: 6, 18, "services.api.x-aicore.proxy.balance", #"expected one of `round_robin`, `least_connections`, found "random""#),
        BadInput(
            "a volume subpath that leaves its volume",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - {type: volume, source: data, target: /data, volume: {subpath: a/../../etc}}
            volumes:
              data: {}
            """,
            at: 5, 71, "services.api.volumes[0].volume.subpath", #"expected a path without . or .. components, found "a/../../etc""#),
        BadInput(
            "an absolute volume subpath",
            """
            services:
              api:
                command: sleep 1
                volumes:
                  - {type: volume, source: data, target: /data, volume: {subpath: /etc}}
            volumes:
              data: {}
            """,
            at: 5, 71, "services.api.volumes[0].volume.subpath", #"expected a relative path inside the volume, found "/etc""#),
        BadInput(
            "an unknown proxy connect",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  proxy:
                    connect: lazy
            """,
            at: 6, 18, "services.api.x-aicore.proxy.connect", #"expected one of `on_first_data`, `on_accept`, found "lazy""#),
        BadInput(
            "restart_policy.condition uses a restart value",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  restart_policy:
                    condition: always
            """,
            at: 6, 20, "services.api.deploy.restart_policy.condition", #"expected one of `none`, `on-failure`, `any`, found "always""#),
        BadInput(
            "an unknown depends_on condition",
            """
            services:
              api:
                command: sleep 1
                depends_on:
                  db:
                    condition: service_ready
              db:
                command: sleep 1
            """,
            at: 6, 20, "services.api.depends_on.db.condition", #"expected one of `service_started`, `service_healthy`, `service_completed_successfully`, found "service_ready""#),
        BadInput(
            "a misspelt depends_on key gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                depends_on:
                  db:
                    conditon: service_healthy
              db:
                command: sleep 1
            """,
            at: 6, 9, "services.api.depends_on.db.conditon", "unknown key `conditon` in depends_on; did you mean `condition`?"),
        BadInput(
            "an unknown capability",
            """
            services:
              api:
                command: sleep 1
                cap_add:
                  - NET_ADMINN
            """,
            at: 5, 9, "services.api.cap_add[0]", #"unknown capability "NET_ADMINN"; expected a name like NET_ADMIN or ALL"#),
        BadInput(
            "seccomp without a profile",
            """
            services:
              api:
                command: sleep 1
                security_opt:
                  - seccomp
            """,
            at: 5, 9, "services.api.security_opt[0]", "expected seccomp=unconfined or seccomp=PROFILE.json"),
        BadInput(
            "an unknown security option",
            """
            services:
              api:
                command: sleep 1
                security_opt:
                  - privileged=true
            """,
            at: 5, 9, "services.api.security_opt[0]", #"unknown security option "privileged=true"; expected no-new-privileges or seccomp=…"#),
        BadInput(
            "a required variable is missing",
            """
            services:
              api:
                command: sleep 1
                environment:
                  TOKEN: ${X:?must set X}
            """,
            at: 5, 14, "services.api.environment.TOKEN", "required variable X is missing a value: must set X"),
        BadInput(
            "an unclosed ${",
            """
            services:
              api:
                command: sleep 1
                environment:
                  TOKEN: "${"
            """,
            at: 5, 14, "services.api.environment.TOKEN", #"invalid interpolation format: "${" has an unclosed ${"#),
        BadInput(
            "a key written twice in one mapping",
            """
            services:
              api:
                command: sleep 1
                user: root
                restart: always
                user: nobody
            """,
            at: 6, 5, "services.api.user", "duplicate key `user` in one mapping"),
        BadInput(
            "a tab used for indentation",
            """
            services:
              api:
            \tcommand: sleep 1
            """,
            at: 3, 1, "", "invalid YAML: found character that cannot start any token (while scanning for the next token at line 3, column 1)"),
        BadInput(
            "a key indented less than its siblings",
            """
            services:
              api:
                command: sleep 1
               image: x
            """,
            at: 4, 4, "", "invalid YAML: did not find expected key (while parsing a block mapping at line 2, column 3)"),
        BadInput(
            "an unclosed quote",
            """
            services:
              api:
                command: sleep 1
                user: "root
            """,
            at: 4, 16, "", "invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 4, column 11)"),
        BadInput(
            "an alias to an undefined anchor",
            """
            services:
              api:
                command: sleep 1
                user: *nope
            """,
            at: 4, 11, "", "invalid YAML: found undefined alias"),
        BadInput(
            "a document that is one scalar",
            """
            hello
            """,
            at: 1, 1, "", #"expected a mapping with `services` at the top of the file, found "hello""#),
        BadInput(
            "a document that is a list",
            """
            - a
            - b
            """,
            at: 1, 1, "", "expected a mapping with `services` at the top of the file, found a list"),
        BadInput(
            "a service with neither command nor image",
            """
            services:
              api:
                restart: always
            """,
            at: 3, 5, "services.api", "a service needs a `command` (run from the host root filesystem) or an `image`"),
        BadInput(
            "a service with no keys at all",
            """
            services:
              api:
            """,
            at: 2, 3, "services.api", "service `api` is empty; it needs at least a `command`"),
        BadInput(
            "services as a list",
            """
            services:
              - api
            """,
            at: 2, 3, "services", "expected a mapping of service names, found a list"),
        BadInput(
            "a file without services",
            """
            name: x
            """,
            at: 1, 1, "", "a stack needs a `services` mapping"),
        BadInput(
            "a service name with a space",
            """
            services:
              "my api":
                command: sleep 1
            """,
            at: 2, 3, "services.my api", #"invalid service name "my api": use letters, digits, '-', '_' and '.', starting with a letter or digit"#),
        BadInput(
            "a project name with capitals",
            """
            name: My_App
            services:
              api:
                command: sleep 1
            """,
            at: 1, 7, "name", #"expected a project name of lowercase letters, digits, '-' and '_', starting with a letter or digit, found "My_App""#),
        BadInput(
            "a misspelt x-aicore key gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  probs: {}
            """,
            at: 5, 7, "services.api.x-aicore.probs", "unknown key `probs` in x-aicore; did you mean `probes`?"),
        BadInput(
            "a probe with two actions",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  probes:
                    readiness:
                      http_get: {path: /health}
                      tcp_socket: {port: 80}
            """,
            at: 8, 11, "services.api.x-aicore.probes.readiness", "a probe takes exactly one of `http_get`, `tcp_socket` or `exec`"),
        BadInput(
            "a probe with no action",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  probes:
                    liveness:
                      period: 5s
            """,
            at: 7, 11, "services.api.x-aicore.probes.liveness", "a probe needs one of `http_get`, `tcp_socket` or `exec`"),
        BadInput(
            "autoscale min above max",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  autoscale:
                    min: 5
                    max: 2
                    cpu: 70
            """,
            at: 7, 14, "services.api.x-aicore.autoscale.max", "min (5) is greater than max (2)"),
        BadInput(
            "autoscale without a target",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  autoscale:
                    min: 1
                    max: 3
            """,
            at: 6, 9, "services.api.x-aicore.autoscale", "autoscale needs a target: `cpu`, `memory` or `requests_per_second`"),
        BadInput(
            "a disruption budget with both keys",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  disruption_budget:
                    min_available: 2
                    max_unavailable: 1
            """,
            at: 6, 9, "services.api.x-aicore.disruption_budget", "a disruption budget takes exactly one of `min_available` or `max_unavailable`"),
        BadInput(
            "max_surge 0 and max_unavailable 0",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  rollout:
                    max_surge: 0
                    max_unavailable: 0%
            """,
            at: 6, 20, "services.api.x-aicore.rollout.max_surge", "max_surge and max_unavailable cannot both be 0: the rollout could never make progress"),
        BadInput(
            "a percentage above 100",
            """
            services:
              api:
                command: sleep 1
                x-aicore:
                  rollout:
                    max_surge: 150%
            """,
            at: 6, 20, "services.api.x-aicore.rollout.max_surge", #"expected a non-negative integer or a percentage like 25%, found "150%""#),
        BadInput(
            "an unknown tmpfs option",
            """
            services:
              api:
                command: sleep 1
                tmpfs:
                  - /run:size=64m,exec_bad
            """,
            at: 5, 9, "services.api.tmpfs[0]", #"unknown tmpfs option "exec_bad"; expected size=, mode=, ro, rw, noexec, nosuid or nodev"#),
        BadInput(
            "a tmpfs size in words",
            """
            services:
              api:
                command: sleep 1
                tmpfs: /run:size=big
            """,
            at: 4, 12, "services.api.tmpfs", #"expected a size like 64m, found "big""#),
        BadInput(
            "a relative tmpfs path",
            """
            services:
              api:
                command: sleep 1
                tmpfs: run
            """,
            at: 4, 12, "services.api.tmpfs", #"expected an absolute path inside the instance, found "run""#),
        BadInput(
            "a soft ulimit above the hard one",
            """
            services:
              api:
                command: sleep 1
                ulimits:
                  nofile:
                    soft: 4096
                    hard: 1024
            """,
            at: 6, 9, "services.api.ulimits.nofile", "the soft limit (4096) exceeds the hard limit (1024)"),
        BadInput(
            "a ulimit without hard",
            """
            services:
              api:
                command: sleep 1
                ulimits:
                  nofile:
                    soft: 10
            """,
            at: 6, 9, "services.api.ulimits.nofile", "a ulimit needs both `soft` and `hard`"),
        BadInput(
            "a misspelt ulimit gets a did-you-mean",
            """
            services:
              api:
                command: sleep 1
                ulimits:
                  nofiles: 1024
            """,
            at: 5, 7, "services.api.ulimits.nofiles", "unknown ulimit `nofiles`; did you mean `nofile`?"),
        BadInput(
            "an invalid variable name in an environment map",
            """
            services:
              api:
                command: sleep 1
                environment:
                  1BAD: x
            """,
            at: 5, 7, "services.api.environment.1BAD", #"invalid variable name "1BAD""#),
        BadInput(
            "an invalid variable name in an environment list",
            """
            services:
              api:
                command: sleep 1
                environment:
                  - "1BAD=x"
            """,
            at: 5, 9, "services.api.environment[0]", #"invalid variable name "1BAD""#),
        BadInput(
            "a healthcheck test list that starts with neither CMD nor NONE",
            """
            services:
              api:
                command: sleep 1
                healthcheck:
                  test: ["RUN", "true"]
            """,
            at: 5, 14, "services.api.healthcheck.test[0]", #"expected the list to start with "CMD", "CMD-SHELL" or "NONE", found "RUN""#),
        BadInput(
            "negative healthcheck retries",
            """
            services:
              api:
                command: sleep 1
                healthcheck:
                  test: ["CMD", "true"]
                  retries: -1
            """,
            at: 6, 16, "services.api.healthcheck.retries", "expected a non-negative integer, found -1"),
        BadInput(
            "cpus in words",
            """
            services:
              api:
                command: sleep 1
                cpus: lots
            """,
            at: 4, 11, "services.api.cpus", #"expected a number of CPUs like 0.5 or "2", found "lots""#),
        BadInput(
            "zero cpus",
            """
            services:
              api:
                command: sleep 1
                cpus: 0
            """,
            at: 4, 11, "services.api.cpus", "expected a number of CPUs greater than zero, found 0"),
        BadInput(
            "a required env_file that does not exist",
            """
            services:
              api:
                command: sleep 1
                env_file: missing.env
            """,
            at: 4, 15, "services.api.env_file", "does not exist"),
        BadInput(
            "an env_file format that does not exist",
            """
            services:
              api:
                command: sleep 1
                env_file:
                  - path: app.env
                    format: yaml
            """,
            at: 6, 17, "services.api.env_file[0].format", "expected `raw` (or `dotenv`, the default), found \"yaml\""),
        BadInput(
            "an env_file entry with no path",
            """
            services:
              api:
                command: sleep 1
                env_file:
                  - required: false
            """,
            at: 5, 9, "services.api.env_file[0]", "an env_file entry needs a `path`"),
        BadInput(
            "a relative working_dir",
            """
            services:
              api:
                command: sleep 1
                working_dir: app
            """,
            at: 4, 18, "services.api.working_dir", #"expected an absolute path, found "app""#),
        BadInput(
            "a command with an unterminated quote",
            """
            services:
              api:
                command: sh -c 'echo
            """,
            at: 3, 14, "services.api.command", "cannot split the command: unterminated single quote"),
        BadInput(
            "an extra_hosts entry without an address",
            """
            services:
              api:
                command: sleep 1
                extra_hosts:
                  - justahost
            """,
            at: 5, 9, "services.api.extra_hosts[0]", #"expected HOST:IP or HOST=IP, found "justahost""#),
        BadInput(
            "a hostname with an underscore",
            """
            services:
              api:
                command: sleep 1
                hostname: my_host
            """,
            at: 4, 15, "services.api.hostname", #"expected a hostname (letters, digits, '-' and '.', at most 63 characters a label), found "my_host""#),
        BadInput(
            "an unknown update_config.failure_action",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  update_config:
                    failure_action: explode
            """,
            at: 6, 25, "services.api.deploy.update_config.failure_action", #"expected one of `rollback`, `pause`, `continue`, found "explode""#),
        BadInput(
            "an unknown deploy.mode",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  mode: daemon
            """,
            at: 5, 13, "services.api.deploy.mode", #"expected one of `replicated`, `global`, found "daemon""#),
        BadInput(
            "max_failure_ratio above 1",
            """
            services:
              api:
                command: sleep 1
                deploy:
                  update_config:
                    max_failure_ratio: 2
            """,
            at: 6, 28, "services.api.deploy.update_config.max_failure_ratio", "expected a ratio from 0 to 1, found 2"),
        BadInput(
            "pids_limit below -1",
            """
            services:
              api:
                command: sleep 1
                pids_limit: -5
            """,
            at: 4, 17, "services.api.pids_limit", "expected an integer (-1 for no limit), found -5"),
        BadInput(
            "oom_score_adj beyond 1000",
            """
            services:
              api:
                command: sleep 1
                oom_score_adj: 2000
            """,
            at: 4, 20, "services.api.oom_score_adj", "expected an integer from -1000 to 1000, found 2000"),
        BadInput(
            "a secret with two sources",
            """
            services:
              api:
                command: sleep 1
            secrets:
              token:
                file: ./t
                environment: TOKEN
            """,
            at: 6, 5, "secrets.token", "takes only one of `file` or `environment`"),
        BadInput(
            "a dependency on a service whose profile is off",
            """
            services:
              api:
                command: sleep 1
                depends_on: [db]
              db:
                command: sleep 1
                profiles: [debug]
            """,
            at: 4, 18, "services.api.depends_on.db", "depends on `db`, which is only enabled by profile `debug`; activate it with --profile or make the dependency `required: false`"),
    ]
}

// MARK: - Several errors in one file

extension BadInputTests {
    @Test("a file with three distinct errors reports all three, in file order")
    func allErrorsOfAFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let errors = fixture.errors(
            yaml: """
                services:
                  api:
                    command: sleep 1
                    restart: sometimes
                    stop_signal: NOPE
                    deploy:
                      replicas: -1
                """)
        #expect(errors.map(\.keyPath) == ["services.api.restart", "services.api.stop_signal", "services.api.deploy.replicas"])
        #expect(errors.compactMap(\.location?.line) == [4, 5, 7])
    }

    @Test("errors in several services and in the validation pass are reported together")
    func errorsAcrossPasses() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let errors = fixture.errors(
            yaml: """
                services:
                  a:
                    command: sleep 1
                    depends_on: [b]
                    ports: ["8080:80"]
                  b:
                    command: sleep 1
                    depends_on: [a]
                    read_only: maybe
                  c:
                    command: sleep 1
                    ports: ["8080:81"]
                """)
        #expect(errors.map(\.keyPath) == ["services.b.depends_on.a", "services.b.read_only", "services.c.ports[0]"])
        #expect(errors.map(\.message).first?.contains("a -> b -> a") == true)
    }

    @Test("every error line reads FILE:LINE:COLUMN: error: KEY.PATH: message")
    func rendering() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let error = try #require(fixture.errors(yaml: StackFixture.apiHeader + "    deploy:\n      replicas: three\n").first)
        #expect(
            error.description
                == #"\#(fixture.directory)/stack.yml:5:17: error: services.api.deploy.replicas: expected a non-negative integer, found "three""#)
    }

    @Test("an error in the second of several files is located in that file")
    func errorInSecondFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("base.yml", StackFixture.apiHeader)
        try fixture.write("override.yml", "services:\n  api:\n    deploy:\n      replicas: three\n")
        let errors = fixture.errors(loading: ["base.yml", "override.yml"])
        let error = try #require(errors.first)
        #expect(errors.count == 1)
        #expect(error.location == SourceLocation(file: fixture.directory + "/override.yml", line: 4, column: 17))
        #expect(error.keyPath == "services.api.deploy.replicas")
    }
}

// MARK: - Files that cannot be read as a stack

extension BadInputTests {
    enum Content: Sendable {
        case text(String)
        case bytes([UInt8])
        case directory
        case missing
    }

    struct FileProblem: CustomTestStringConvertible, Sendable {
        let description: String
        let content: Content
        let message: String
        var testDescription: String { description }
    }

    static let fileProblems: [FileProblem] = [
        FileProblem(description: "an empty file", content: .text(""), message: "is empty, expected a mapping with `services`"),
        FileProblem(description: "a file of comments only", content: .text("# nothing here\n"), message: "is empty, expected a mapping with `services`"),
        FileProblem(description: "binary content", content: .bytes([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]), message: "is binary, not YAML"),
        FileProblem(description: "text that is not UTF-8", content: .bytes([0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a]), message: "is not UTF-8 text"),
        FileProblem(description: "a file that does not exist", content: .missing, message: "no such file"),
        FileProblem(description: "a directory", content: .directory, message: "is a directory, expected a stack file"),
    ]

    @Test("a file that is not a stack gets one clear line naming the file", arguments: fileProblems)
    func fileProblem(_ problem: FileProblem) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        let path = fixture.directory + "/stack.yml"
        switch problem.content {
        case .text(let text): try fixture.write("stack.yml", text)
        case .bytes(let bytes): try Data(bytes).write(to: URL(fileURLWithPath: path))
        case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case .missing: break
        }
        let errors = fixture.errors(loading: ["stack.yml"])
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.message == "\(path): \(problem.message)")
        #expect(error.location == nil)
        #expect(error.keyPath == "")
        #expect(error.description == "error: \(path): \(problem.message)")
    }

    /// Root reads any file whatever its mode, and CI runs as root; so this uses a file that
    /// passes the permission check but fails to read: /proc/self/mem (reading its offset 0 fails with EIO).
    @Test("a file that fails to read gets one clear line", .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/mem")))
    func unreadableFile() {
        let errors: [Diagnostic]
        do {
            _ = try StackLoader.load(StackLoadOptions(files: ["/proc/self/mem"], environment: [:]))
            errors = []
        } catch {
            errors = error.errors
        }
        #expect(errors.count == 1)
        #expect(errors.first?.message.hasPrefix("/proc/self/mem: cannot be read") == true)
        #expect(errors.first?.location == nil)
    }

    @Test("an invalid -p project name is an error")
    func invalidProjectName() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", StackFixture.apiHeader)
        do {
            _ = try fixture.load(projectName: "Bad Name")
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.message) == [#"invalid project name "Bad Name": use lowercase letters, digits, '-' and '_'"#])
        }
    }

    @Test("a missing --env-file is an error naming the file")
    func missingEnvFile() throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        try fixture.write("stack.yml", StackFixture.apiHeader)
        do {
            _ = try fixture.load(envFiles: ["nope.env"])
            Issue.record("expected an error")
        } catch {
            #expect(error.errors.map(\.message) == ["\(fixture.directory)/nope.env: no such env file"])
        }
    }

    @Test("no stack file at all is an error")
    func noFiles() {
        #expect(throws: StackLoadError.self) {
            try StackLoader.load(StackLoadOptions(files: [], environment: [:]))
        }
    }
}

// MARK: - Near misses that are valid

extension BadInputTests {
    struct NearMiss: CustomTestStringConvertible, Sendable {
        let description: String
        let yaml: String
        var testDescription: String { description }
    }

    /// Stacks that look like a broken one above but are valid; validation must not be over-eager.
    static let nearMisses: [NearMiss] = [
        NearMiss(
            description: "the same host port on two different addresses",
            yaml: StackFixture.apiHeader + "    ports: [\"127.0.0.1:8080:80\"]\n  web:\n    command: sleep 1\n    ports: [\"127.0.0.2:8080:80\"]\n"),
        NearMiss(
            description: "the same host port over tcp and udp",
            yaml: StackFixture.apiHeader + "    ports: [\"53:53/tcp\", \"53:53/udp\"]\n"),
        NearMiss(
            description: "the same container port unpublished in two services",
            yaml: StackFixture.apiHeader + "    ports: [\"80\"]\n  web:\n    command: sleep 1\n    ports: [\"80\"]\n"),
        NearMiss(
            description: "scale equal to deploy.replicas",
            yaml: StackFixture.apiHeader + "    scale: 3\n    deploy: {replicas: 3}\n"),
        NearMiss(
            description: "limits equal to reservations",
            yaml: StackFixture.apiHeader + "    deploy:\n      resources:\n        limits: {cpus: \"1\", memory: 1g}\n        reservations: {cpus: 1, memory: 1024m}\n"),
        NearMiss(
            description: "an optional dependency on a service that does not exist",
            yaml: StackFixture.apiHeader + "    depends_on:\n      ghost: {required: false}\n"),
        NearMiss(
            description: "a dependency chain without a cycle",
            yaml: "services:\n  a: {command: x, depends_on: [b, c]}\n  b: {command: x, depends_on: [c]}\n  c: {command: x}\n"),
        NearMiss(
            description: "a zero start_period (only intervals must be positive)",
            yaml: StackFixture.apiHeader + "    healthcheck:\n      test: \"true\"\n      start_period: 0s\n"),
        NearMiss(
            description: "an unlimited soft and hard ulimit",
            yaml: StackFixture.apiHeader + "    ulimits:\n      memlock: {soft: -1, hard: -1}\n"),
        NearMiss(
            description: "max_surge 0 with max_unavailable 1",
            yaml: StackFixture.apiHeader + "    x-aicore:\n      rollout: {max_surge: 0, max_unavailable: 1}\n"),
        NearMiss(
            description: "a quoted key that looks like a merge key is an ordinary key",
            yaml: StackFixture.apiHeader + "    labels:\n      \"<<\": literal\n"),
    ]

    @Test("a near miss loads without errors", arguments: nearMisses)
    func nearMiss(_ input: NearMiss) throws {
        let fixture = try StackFixture()
        defer { fixture.remove() }
        #expect(fixture.errors(yaml: input.yaml).map(\.description) == [])
    }
}

// MARK: - Crashes

extension BadInputTests {
    /// Loads a probe period of `value` bare seconds; exits 0 when the loader reports the right
    /// located error, 1 otherwise. Called in a child process, so a crash fails only its test.
    static func exitAfterHugePeriod(_ value: String) -> Never {
        guard let fixture = try? StackFixture() else { exit(3) }
        let yaml = StackFixture.apiHeader + "    x-aicore:\n      probes:\n        liveness:\n          tcp_socket: {}\n          period: \(value)\n"
        let errors = fixture.errors(yaml: yaml)
        fixture.remove()
        let error = errors.first
        let located = errors.count == 1 && error?.location?.line == 8 && error?.location?.column == 19
        exit(located && error?.keyPath == "services.api.x-aicore.probes.liveness.period" ? 0 : 1)
    }

    @Test("a huge bare-seconds duration in x-aicore is an error, not a crash")
    func hugeBareSeconds() async {
        await #expect(processExitsWith: .success) { BadInputTests.exitAfterHugePeriod("10000000000") }
    }

    @Test("a bare-seconds duration written as 1e300 is an error, not a crash")
    func exponentBareSeconds() async {
        await #expect(processExitsWith: .success) { BadInputTests.exitAfterHugePeriod("1e300") }
    }
}
