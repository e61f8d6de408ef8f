/// The key catalogs of every mapping a stack file may hold.
public enum ComposeKeys {
    static let singleHost = "has no meaning on a single host and is ignored"
    static let noEffect = "has no effect in aicore-node and is ignored"

    public static let topLevel = KeyCatalog(
        "top level",
        supported: ["name", "include", "services", "volumes", "networks", "secrets", "configs"],
        ignored: ["version": "is obsolete and ignored"],
        unsupported: [
            "models": "is not supported: aicore-node does not run AI models as a platform service",
        ])

    public static let service = KeyCatalog(
        "service",
        supported: [
            "image", "command", "entrypoint", "environment", "env_file", "working_dir", "user", "hostname",
            "ports", "volumes", "tmpfs", "depends_on", "healthcheck", "restart", "deploy", "read_only",
            "cap_add", "cap_drop", "security_opt", "pids_limit", "ulimits", "stop_signal", "stop_grace_period",
            "labels", "profiles", "scale", "network_mode", "networks", "extra_hosts", "cpus", "mem_limit",
            "mem_reservation", "oom_score_adj", "pull_policy", "platform", "expose", "dns", "dns_search", "dns_opt",
            "domainname", "mac_address", "extends", "shm_size", "sysctls", "cpu_shares", "cpu_period", "cpu_quota", "cpuset",
            "mem_swappiness", "memswap_limit", "group_add", "init", "privileged", "devices", "blkio_config",
            "secrets", "configs", "post_start", "pre_stop", "build", "logging", "ipc", "userns_mode", "volumes_from",
        ],
        ignored: [
            "annotations": noEffect, "attach": noEffect, "container_name":
                "is ignored: instances are named <stack>-<service>-<n>",
            "credential_spec": "is Windows-only and ignored", "develop": noEffect,
            "external_links": singleHost,
            "isolation": "is Windows-only and ignored", "label_file": noEffect,
            "links": "is ignored: every service reaches the others by name",
            "pull_refresh_after": "is ignored: use pull_policy: every_<duration>", "runtime": noEffect,
            "stdin_open": noEffect, "tty": noEffect, "cgroup": noEffect,
            "oom_kill_disable":
                "is ignored: the memory limit's OOM kill stays on (cgroup v2 has no switch for it, and Docker ignores the key there too); a workload whose limit never kills could stall the host",
        ],
        unsupported: [
            "cgroup_parent": "is not supported: instance cgroups live under aicore/<stack>/<service>",
            "cpu_count": "is not supported: use cpus", "cpu_percent": "is not supported: use cpus",
            "cpu_rt_period": "is not supported: real-time CPU time would let a workload starve the host",
            "cpu_rt_runtime": "is not supported: real-time CPU time would let a workload starve the host",
            "device_cgroup_rules": "is not supported: name each device in `devices`",
            "gpus": "is not supported: no GPUs are scheduled; pass a device node with `devices`",
            "models": "is not supported: aicore-node does not run AI models as a platform service",
            "pid": "is not supported: every instance has a private PID namespace",
            "provider": "is not supported: services are processes run by the agent, not provided by plugins",
            "storage_opt": "is not supported: an instance's writable layer is a directory on the host's filesystem, with no storage driver options",
            "use_api_socket": "is not supported: there is no container engine socket to hand to a workload (and the agent's would give it the host)",
            "uts": "is not supported: every instance has a private UTS namespace",
        ])

    /// `build:` in the long form. What buildah cannot do the way Compose means it is refused
    /// with the reason; the cache keys are ignored because buildah keeps its own on the node.
    public static let build = KeyCatalog(
        "build",
        supported: ["context", "dockerfile", "dockerfile_inline", "target", "args", "labels", "tags", "no_cache", "pull", "platforms"],
        ignored: [
            "cache_from": "is ignored: the node's buildah keeps its own layer cache (`no_cache: true` bypasses it)",
            "cache_to": "is ignored: the node's buildah keeps its own layer cache",
            "isolation": "is ignored: builds run with buildah's chroot isolation",
            "provenance": "is ignored: no attestation is made", "sbom": "is ignored: no attestation is made",
        ],
        unsupported: [
            "additional_contexts": "is not supported: copy what the build needs into its context",
            "entitlements": "is not supported: RUN steps get no extra privileges (buildah's chroot isolation has none to grant)",
            "extra_hosts": "is not supported: RUN steps resolve names as the host does",
            "network": "is not supported: RUN steps use the host's network",
            "privileged": "is not supported: RUN steps get no extra privileges (buildah's chroot isolation has none to grant)",
            "secrets": "is not supported: pass values with `args`",
            "shm_size": "is not supported: RUN steps share the host's /dev/shm under chroot isolation",
            "ssh": "is not supported: the agent forwards no SSH agent to a build",
            "ulimits": "is not supported: RUN steps run with the agent's limits",
        ])

    public static let deploy = KeyCatalog(
        "deploy",
        supported: [
            "mode", "replicas", "labels", "resources", "restart_policy", "update_config", "rollback_config", "endpoint_mode",
        ],
        ignored: ["placement": singleHost])

    public static let resources = KeyCatalog("resources", supported: ["limits", "reservations"])

    public static let limits = KeyCatalog("limits", supported: ["cpus", "memory", "pids"])

    public static let reservations = KeyCatalog(
        "reservations",
        supported: ["cpus", "memory"],
        unsupported: [
            "devices": "is not supported: no device can be reserved",
            "generic_resources": "is not supported: a single node advertises no generic resources",
        ])

    public static let restartPolicy = KeyCatalog(
        "restart_policy", supported: ["condition", "delay", "max_attempts", "window"])

    public static let updateConfig = KeyCatalog(
        "update_config", supported: ["parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"])

    public static let healthcheck = KeyCatalog(
        "healthcheck", supported: ["test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"])

    public static let hook = KeyCatalog("hook", supported: ["command", "user", "privileged", "working_dir", "environment"])

    public static let dependsOn = KeyCatalog("depends_on", supported: ["condition", "restart", "required"])

    public static let port = KeyCatalog(
        "port", supported: ["name", "target", "published", "host_ip", "protocol", "mode", "app_protocol"])

    public static let volumeMount = KeyCatalog(
        "volume",
        supported: ["type", "source", "target", "read_only", "bind", "volume", "tmpfs"],
        ignored: ["consistency": "is macOS-only and ignored"],
        unsupported: ["image": "is not supported: build what the service needs into its own image, or copy it into a named volume"])

    public static let bindOptions = KeyCatalog(
        "bind", supported: ["propagation", "create_host_path"],
        ignored: ["selinux": "is ignored: SELinux labels are not applied"],
        unsupported: ["recursive": "is not supported: binds are always recursive"])

    public static let volumeOptions = KeyCatalog("volume options", supported: ["nocopy", "subpath"])

    public static let tmpfsOptions = KeyCatalog("tmpfs", supported: ["size", "mode"])

    public static let ulimit = KeyCatalog("ulimit", supported: ["soft", "hard"])

    public static let topLevelVolume = KeyCatalog(
        "volume definition",
        supported: ["name", "external", "labels", "driver"],
        unsupported: ["driver_opts": "is not supported: volumes are directories under the state dir"])

    public static let topLevelNetwork = KeyCatalog(
        "network definition",
        supported: ["name", "driver", "external", "internal", "labels", "ipam", "enable_ipv6"],
        ignored: [
            "driver_opts": "is not applied: bridges are set up the same way for every network",
            "attachable": "is not applied: only the stack's services join its networks",
            "enable_ipv4": "is not applied: every network has IPv4",
        ])

    public static let ipam = KeyCatalog(
        "ipam", supported: ["driver", "config"], ignored: ["options": "is not applied: the default IPAM driver takes none"])

    public static let ipamPool = KeyCatalog(
        "ipam config entry", supported: ["subnet", "gateway", "ip_range"],
        unsupported: ["aux_addresses": "is not supported: addresses cannot be reserved for other hosts"])

    public static let serviceNetwork = KeyCatalog(
        "service network",
        supported: ["aliases", "ipv4_address", "ipv6_address", "priority", "interface_name", "mac_address"],
        ignored: [
            "link_local_ips": noEffect, "driver_opts": noEffect,
            "gw_priority": "is not applied: the default route goes through the first network attached",
        ])

    public static let secret = KeyCatalog(
        "secret definition",
        // `content` is refused by the decoder with its own words (it is for configs only).
        supported: ["name", "file", "environment", "external", "content"],
        ignored: ["labels": noEffect, "driver": noEffect, "driver_opts": noEffect, "template_driver": noEffect])

    /// A service's `secrets` or `configs` item in the long syntax.
    public static let fileReference = KeyCatalog("secret or config", supported: ["source", "target", "uid", "gid", "mode"])

    public static let config = KeyCatalog(
        "config definition",
        supported: ["name", "file", "environment", "content", "external"],
        ignored: ["labels": noEffect, "template_driver": noEffect])

    public static let aicore = KeyCatalog(
        "x-aicore",
        supported: ["probes", "rollout", "autoscale", "disruption_budget", "port_env", "restart_unhealthy", "proxy", "security", "hide_paths"])

    public static let aicoreProxy = KeyCatalog("proxy", supported: ["balance", "connect"])

    public static let probes = KeyCatalog("probes", supported: ["startup", "liveness", "readiness"])

    public static let probe = KeyCatalog(
        "probe",
        supported: [
            "http_get", "tcp_socket", "exec", "initial_delay", "period", "timeout", "success_threshold",
            "failure_threshold",
        ])

    public static let httpGet = KeyCatalog("http_get", supported: ["path", "port", "headers"])
    public static let tcpSocket = KeyCatalog("tcp_socket", supported: ["port"])
    public static let execAction = KeyCatalog("exec", supported: ["command"])

    public static let rollout = KeyCatalog(
        "rollout",
        supported: [
            "max_surge", "max_unavailable", "min_ready", "progress_deadline", "auto_rollback", "revision_history",
            "drain_timeout",
        ])

    public static let autoscale = KeyCatalog(
        "autoscale", supported: ["min", "max", "cpu", "memory", "requests_per_second", "behavior"])
    public static let autoscaleBehavior = KeyCatalog("behavior", supported: ["scale_up", "scale_down"])
    public static let scalingRules = KeyCatalog("scaling rules", supported: ["stabilization"])

    public static let disruptionBudget = KeyCatalog("disruption_budget", supported: ["min_available", "max_unavailable"])
}
