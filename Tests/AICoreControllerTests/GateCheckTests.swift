import AICoreController
import AICoreSpec
import AICoreSupervisor
import Testing

@Suite struct GateCheckTests {
    static let cases: [(ServiceDependency.Condition, InstanceSnapshot, GateVerdict)] = [
        (.serviceStarted, InstanceSnapshot(state: .starting), .waiting),
        (.serviceStarted, InstanceSnapshot(state: .running), .met),
        (.serviceStarted, InstanceSnapshot(state: .backoff, lastExit: "Exited (code 1)", lastExitCode: 1), .waiting),
        (.serviceStarted, InstanceSnapshot(state: .exited, lastExit: "Exited (code 0)", lastExitCode: 0, finished: true), .met),
        (.serviceStarted, InstanceSnapshot(state: .failed, lastExit: "Exited (code 1)", lastExitCode: 1, finished: true),
         .failed("ended without staying up: Exited (code 1)")),
        (.serviceHealthy, InstanceSnapshot(state: .running), .waiting),
        (.serviceHealthy, InstanceSnapshot(state: .unhealthy), .waiting),
        (.serviceHealthy, InstanceSnapshot(state: .healthy, ready: true), .met),
        (.serviceHealthy, InstanceSnapshot(state: .exited, lastExit: "Exited (code 2)", lastExitCode: 2, finished: true),
         .failed("ended before becoming healthy: Exited (code 2)")),
        (.serviceCompletedSuccessfully, InstanceSnapshot(state: .running), .waiting),
        (.serviceCompletedSuccessfully, InstanceSnapshot(state: .exited, lastExit: "Exited (code 0)", lastExitCode: 0, finished: true), .met),
        (.serviceCompletedSuccessfully, InstanceSnapshot(state: .exited, lastExit: "Exited (code 3)", lastExitCode: 3, finished: true),
         .failed("did not complete successfully: Exited (code 3)")),
        (.serviceCompletedSuccessfully, InstanceSnapshot(state: .backoff, lastExit: "Exited (code 3)", lastExitCode: 3), .waiting),
    ]

    @Test(arguments: cases)
    func eachConditionJudgesAnInstanceByItsState(_ condition: ServiceDependency.Condition, _ snapshot: InstanceSnapshot,
                                                 _ expected: GateVerdict) {
        #expect(GateCheck.verdict(condition, snapshot) == expected)
    }
}
