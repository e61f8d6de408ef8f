import Foundation
@testable import AICoreOS

/// Facts about the machine the cgroup tests run on.
enum CgroupTestEnvironment {
    static let isRoot = getuid() == 0

    /// A relative path nobody else uses: `aicore-test-<pid>-<random>/<leaf>`.
    static func uniquePath(_ leaf: String = "instance") -> String {
        "aicore-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/\(leaf)"
    }
}
