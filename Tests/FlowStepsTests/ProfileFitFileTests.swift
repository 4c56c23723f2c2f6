import XCTest
@testable import FlowSteps

/// The workspace files `classify` writes are named after columns the workflow names: no name may lead
/// out of the step's scratch directory.
final class ProfileFitFileTests: XCTestCase {
    func testWorkspaceNamesStayInTheScratchDirectory() {
        XCTAssertEqual(ProfileFit.fileSafe("mtt"), "mtt")
        XCTAssertEqual(ProfileFit.fileSafe("drop-negative"), "drop-negative")
        XCTAssertEqual(ProfileFit.fileSafe("../../etc/x"), "_.._.._etc_x")
        XCTAssertEqual(ProfileFit.fileSafe(".."), "_..")
        XCTAssertEqual(ProfileFit.fileSafe(""), "_")
        XCTAssertEqual(ProfileFit.fileSafe("PSWeight[0] m/ü"), "PSWeight_0__m__")
    }
}
