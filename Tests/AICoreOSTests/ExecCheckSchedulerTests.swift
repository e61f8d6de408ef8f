import Testing
@testable import AICoreOS

/// The scheduler's pure parts; its checks against real instances are in
/// LinuxTaskDriverTests+RepeatRun (AICoreRuntimeTests).
@Suite struct ExecCheckSchedulerTests {
    @Test func dueHeapGivesTheEarliestCheckFirstWhateverTheOrderTheyCameIn() {
        var heap = DueHeap()
        let dues: [Int64] = [50, 10, 40, 10, 30, 20, 60, 0, 45]
        for (id, due) in dues.enumerated() { heap.push(due, UInt64(id)) }
        var popped: [Int64] = []
        while let (due, _) = heap.peek() {
            popped.append(due)
            heap.pop()
        }
        #expect(popped == dues.sorted())
        #expect(heap.isEmpty)
    }

    @Test func dueHeapKeepsEachCheckWithItsDueTime() {
        var heap = DueHeap()
        heap.push(300, 3)
        heap.push(100, 1)
        heap.push(200, 2)
        #expect(heap.peek()?.id == 1)
        heap.pop()
        heap.push(150, 4)
        #expect(heap.peek()?.id == 4)
        heap.pop()
        #expect(heap.peek()?.id == 2)
    }

    @Test func theExecAnswerCutsOutputAtItsLimitAndReadsTheExit() {
        var answer = ExecAnswer(outputLimit: 5)
        func message(_ kind: Character, _ body: [UInt8]) -> [UInt8] { [UInt8(ascii: kind.unicodeScalars.first!)] + body }
        #expect(message("o", Array("abc".utf8)).withUnsafeBytes { if case .more = answer.take($0) { true } else { false } })
        #expect(message("o", Array("defg".utf8)).withUnsafeBytes { if case .more = answer.take($0) { true } else { false } })
        #expect(answer.output == Array("abcde".utf8))
        var exit: [UInt8] = []
        withUnsafeBytes(of: Int32(1)) { exit += $0 }
        withUnsafeBytes(of: Int32(3)) { exit += $0 }
        let ended = message("x", exit).withUnsafeBytes { answer.take($0) }
        guard case .exited(.exited(3)) = ended else {
            Issue.record("expected exit code 3, got \(ended)")
            return
        }
        let signaled: [UInt8] = message("x", [2, 0, 0, 0, 9, 0, 0, 0])
        guard case .exited(.signaled(9)) = signaled.withUnsafeBytes({ answer.take($0) }) else {
            Issue.record("expected SIGKILL")
            return
        }
        #expect([UInt8(ascii: "x"), 1].withUnsafeBytes { if case .malformed = answer.take($0) { true } else { false } })
        #expect([UInt8(ascii: "?")].withUnsafeBytes { if case .malformed = answer.take($0) { true } else { false } })
    }
}
