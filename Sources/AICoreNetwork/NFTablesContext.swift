import AICoreErrors
import CAICoreNFTables

#if canImport(Glibc)
import Glibc
#endif

/// One libnftables context: commands in nft's own syntax, run as one transaction, with what nft
/// prints and complains about read back. The only file that calls libnftables.
///
/// libnftables talks netlink from the calling thread, in that thread's network namespace, and
/// blocks: use it inside `NetworkNamespace.run(in:)` (or on a thread of its own), never on the
/// cooperative pool.
struct NFTablesContext: ~Copyable {
    private let context: OpaquePointer

    /// `json`: listings in libnftables' JSON (what the foreign-table check reads).
    init(json: Bool = false) throws(AICoreError) {
        // libnftables exits the whole process (status 3) when it cannot open its netlink socket
        // (a kernel without nfnetlink): find that out first, and fail the one operation.
        let probe = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Self.netlinkNetfilter)
        guard probe >= 0 else {
            throw AICoreError(.unavailable, "nftables is not available: this kernel refuses netfilter netlink sockets (\(String(cString: strerror(errno)))); bridge networks need nf_tables")
        }
        close(probe)
        guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw AICoreError(.systemCall, "cannot make a libnftables context")
        }
        // Buffered, so output and errors come back to us instead of going to stdout/stderr.
        guard nft_ctx_buffer_output(context) == 0, nft_ctx_buffer_error(context) == 0 else {
            nft_ctx_free(context)
            throw AICoreError(.systemCall, "cannot buffer libnftables output")
        }
        if json {
            nft_ctx_output_set_flags(context, nft_ctx_output_get_flags(context) | UInt32(NFT_CTX_OUTPUT_JSON))
        }
        self.context = context
    }

    deinit {
        nft_ctx_free(context)
    }

    /// `NETLINK_NETFILTER` from <linux/netlink.h>.
    static let netlinkNetfilter: Int32 = 12

    /// Runs `commands` (one batch: all of them apply, or none does) and returns what nft
    /// printed. A failure carries nft's own message, which names the offending line.
    func run(_ commands: String, what: @autoclosure () -> String) throws(AICoreError) -> String {
        let rc = nft_run_cmd_from_buffer(context, commands)
        let output = nft_ctx_get_output_buffer(context).map { String(cString: $0) } ?? ""
        let errors = nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? ""
        guard rc == 0 else {
            let reason = errors.split(separator: "\n").first.map(String.init) ?? "libnftables failed"
            throw AICoreError(.systemCall, "cannot \(what()): \(reason)", details: errors.split(separator: "\n").map(String.init),
                              context: ["nft": errors])
        }
        return output
    }
}
