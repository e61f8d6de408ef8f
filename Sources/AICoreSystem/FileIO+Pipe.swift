import CAICoreShim

extension FileIO {
    /// A pipe whose ends close on exec: (read, write). The caller owns both descriptors.
    public static func pipe() throws(SystemError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let rc = fds.withUnsafeMutableBufferPointer { aic_pipe_cloexec($0.baseAddress) }
        guard rc == 0 else { throw SystemError(errno: -rc, operation: "pipe2") }
        return (fds[0], fds[1])
    }
}
