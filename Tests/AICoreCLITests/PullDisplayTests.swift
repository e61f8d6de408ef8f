import AICoreImages
import Testing
@testable import AICoreCLI

@Suite("A pull's progress: bars on a terminal, a line per phase otherwise")
struct PullDisplayTests {
    let layer = try! Digest(parsing: "sha256:" + String(repeating: "ab", count: 32))

    func progress(_ phase: PullProgress.Phase, _ current: UInt64 = 0, _ total: UInt64 = 0) -> PullProgress {
        PullProgress(image: "redis:7", layer: layer, phase: phase, current: current, total: total)
    }

    @Test func aDownloadOnATerminalIsABarWithItsBytes() {
        #expect(PullDisplay.line("abababababab", progress(.downloading, 10_000_000, 40_000_000), bar: true)
            == "abababababab: downloading [=======>                      ] 10MB/40MB")
        #expect(PullDisplay.line("abababababab", progress(.downloading, 40_000_000, 40_000_000), bar: true)
            == "abababababab: downloading [==============================] 40MB/40MB")
    }

    @Test func withoutATerminalEachPhaseIsOnePlainLine() {
        #expect(PullDisplay.line("abababababab", progress(.downloading, 10, 40_000_000), bar: false) == "abababababab: downloading (40MB)")
        #expect(PullDisplay.line("abababababab", progress(.extracting, 0, 1_500), bar: false) == "abababababab: extracting (1.5kB)")
        #expect(PullDisplay.line("abababababab", progress(.exists, 5, 5), bar: false) == "abababababab: already exists")
        #expect(PullDisplay.line("abababababab", progress(.done, 5, 5), bar: false) == "abababababab: pull complete")
    }
}
