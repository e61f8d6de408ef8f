import Logging
import ServiceLifecycle

/// `leak_mb_per_s`: once a second, allocates that many megabytes, writes every byte so the pages
/// are really resident, and never frees them.
struct MemoryLeaker: Service {
    let faults: FaultSwitches
    let logger: Logger
    var clock: any Clock<Duration> = ContinuousClock()

    func run() async throws {
        // A graceful shutdown cancels the loop, its sleep included.
        await cancelWhenGracefulShutdown {
            let megabyte = 1 << 20
            while !Task.isCancelled {
                let rate = faults.current.leakMegabytesPerSecond
                if rate > 0 {
                    for _ in 0..<rate {
                        // Deliberately never deallocated: this is the leak.
                        let block = UnsafeMutableRawPointer.allocate(byteCount: megabyte, alignment: 4096)
                        block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: megabyte)
                    }
                    faults.recordLeak(megabytes: rate)
                    logger.debug("leaked memory", metadata: ["total_mb": "\(faults.leakedMegabytes)"])
                }
                try? await clock.sleep(for: .seconds(1))
            }
        }
    }
}
