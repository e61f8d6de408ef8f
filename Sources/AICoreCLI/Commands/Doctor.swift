import ArgumentParser

/// `aicore-node doctor`: is this host ready for the agent's bridge networks? Reads only: no
/// agent is asked and nothing is changed.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check this host for what the agent needs: nftables, the host firewall, forwarding, kernel support, cgroups.",
        discussion: """
            Runs on the host, as root, without an agent, and changes nothing. Prints one line per check, \
            `ok|warn|fail  <check>: <detail>`; a warning says how to fix what it found. Exits 1 when a \
            check fails, 0 otherwise (warnings included).

            The host firewall check reads every other nftables table (iptables-nft's, ufw's, firewalld's) \
            and warns about a forward or input chain that would drop the instances' traffic whatever the \
            agent's own table (`table inet aicore`) accepts, with the command that allows the agent's \
            bridges (named aic-…). aicore-node never edits those rules itself. See docs/operations.md.
            """)

    @Option(name: .long, help: "table or json.")
    var format: Ps.Format = .table

    func run() async throws {
        let checks = try await DoctorCheck.all()
        switch format {
        case .json:
            print(try prettyJSON(checks))
        case .table:
            for check in checks { print(check.line) }
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(ExitStatus.failure) }
    }
}
