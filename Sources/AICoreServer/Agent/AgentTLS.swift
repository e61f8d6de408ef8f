import AICoreErrors
import NIOSSL

/// TLS for the agent's TCP endpoint (`--tls-cert`, `--tls-key`: PEM files).
enum AgentTLS {
    /// nil without TLS; both files or neither, and only with `--listen`.
    static func serverConfiguration(certificate: String?, key: String?, listening: Bool) throws(AICoreError) -> TLSConfiguration? {
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (nil, _?), (_?, nil):
            throw AICoreError(.badRequest, "--tls-cert and --tls-key go together: give both PEM files")
        case let (certificate?, key?):
            guard listening else {
                throw AICoreError(.badRequest, "--tls-cert/--tls-key secure the TCP endpoint: give --listen HOST:PORT too")
            }
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw AICoreError(.badRequest, "cannot read the TLS certificate \(certificate): \(error)")
            }
            guard !chain.isEmpty else {
                throw AICoreError(.badRequest, "the TLS certificate file \(certificate) holds no PEM certificate")
            }
            let privateKey: NIOSSLPrivateKey
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw AICoreError(.badRequest, "cannot read the TLS key \(key): \(error)")
            }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                        privateKey: .privateKey(privateKey))
            configuration.minimumTLSVersion = .tlsv12
            return configuration
        }
    }
}
