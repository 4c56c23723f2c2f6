import Foundation
import XCTest
import Report

/// Plots are well-formed SVG that hold what they were given, escaped, and draw values where they belong.
final class SVGPlotTests: XCTestCase {
    static let awkward = #"a < b & "c" > d"#

    func testEscapeCoversMarkupCharactersOnce() {
        XCTAssertEqual(escape(#"<a href="x">&</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
        XCTAssertEqual(escape("&lt;"), "&amp;lt;", "an ampersand is escaped first, so nothing is escaped twice")
        XCTAssertEqual(escape("plain text"), "plain text")
    }

    func testTextsAndIdSurviveEscaping() throws {
        var plot = SVGPlot(title: Self.awkward, xLabel: "m_tt [GeV] <x>", yLabel: "Σw & \"y\"", x: 0...10, y: 0...4)
        plot.steps([0, 5, 10], [1, 2], color: SVGPlot.palette[0], label: "w < 0 & \"all\"")
        plot.line([(0, 1), (10, 3)], color: SVGPlot.palette[1], label: "fit > data")
        let svg = plot.svg(id: #"id"&<"#)
        XCTAssertFalse(svg.contains(Self.awkward), "the raw title is not in the markup")
        let root = try XCTUnwrap(parseXML(svg))
        XCTAssertEqual(root.name, "svg")
        XCTAssertEqual(root.attributes["xmlns"], "http://www.w3.org/2000/svg")
        XCTAssertEqual(root.attributes["id"], #"id"&<"#)
        let texts = root.all("text").map(\.text)
        for expected in [Self.awkward, "m_tt [GeV] <x>", "Σw & \"y\"", "w < 0 & \"all\"", "fit > data"] {
            XCTAssertTrue(texts.contains(expected), "\(expected) not among \(texts)")
        }
        XCTAssertEqual(root.all("path").count, 2, "one path per curve")
    }

    func testStepsAreDrawnAtTheirValues() throws {
        var plot = SVGPlot(title: "", xLabel: "x", yLabel: "y", x: 0...3, y: 0...4)
        plot.steps([0, 1, 2, 3], [1, 3, 2], color: "#000", label: "h")
        let root = try XCTUnwrap(parseXML(plot.svg(id: "p")))
        let points = pathPoints(try XCTUnwrap(root.all("path").first?.attributes["d"]))
        XCTAssertEqual(points.count, 1 + 2 * 3, "the baseline, then two corners per bin")
        let xs = points.map(\.0), ys = points.map(\.1)
        XCTAssertTrue(zip(xs, xs.dropFirst()).allSatisfy { $0 <= $1 }, "left to right: \(xs)")
        // Equal bins are equally wide.
        XCTAssertEqual(xs[2] - xs[1], xs[4] - xs[3], accuracy: 0.11)
        XCTAssertEqual(xs[4] - xs[3], xs[6] - xs[5], accuracy: 0.11)
        // SVG's y grows downwards; on a linear axis heights are proportional to values above the baseline 0.
        let baseline = ys[0], top1 = ys[1], top3 = ys[3], top2 = ys[5]
        XCTAssertLessThan(top3, top2)
        XCTAssertLessThan(top2, top1)
        XCTAssertLessThan(top1, baseline)
        XCTAssertEqual((baseline - top3) / (baseline - top1), 3, accuracy: 0.01)
        XCTAssertEqual((baseline - top2) / (baseline - top1), 2, accuracy: 0.01)
        let width = try XCTUnwrap(Double(root.attributes["width"] ?? "")), height = try XCTUnwrap(Double(root.attributes["height"] ?? ""))
        XCTAssertTrue(points.allSatisfy { (0...width).contains($0.0) && (0...height).contains($0.1) }, "inside the picture")
    }

    func testALogAxisSpacesDecadesEqually() throws {
        var plot = SVGPlot(title: "", xLabel: "x", yLabel: "y", x: 0...3, y: 0.1...1_000, logY: true)
        plot.steps([0, 1, 2, 3], [1, 10, 100], color: "#000", label: "h")
        let root = try XCTUnwrap(parseXML(plot.svg(id: "log")))
        let ys = pathPoints(try XCTUnwrap(root.all("path").first?.attributes["d"])).map(\.1)
        let (one, ten, hundred) = (ys[1], ys[3], ys[5])
        XCTAssertGreaterThan(one - ten, 10)
        XCTAssertEqual(one - ten, ten - hundred, accuracy: 0.11)
        // The y ticks are the powers of ten in the range.
        let labels = root.all("text").filter { $0.attributes["text-anchor"] == "end" }.map(\.text)
        XCTAssertEqual(labels.compactMap(Double.init), [0.1, 1, 10, 100, 1_000], "\(labels)")
    }

    func testLinearTicksAreRoundAndEvenlySpaced() throws {
        for (lower, upper) in [(0.0, 10.0), (-3.0, 17.0), (0.0, 0.37), (120.0, 980.0), (-1.0, 1.0)] {
            let plot = SVGPlot(title: "", xLabel: "", yLabel: "", x: lower...upper, y: 0...1)
            let root = try XCTUnwrap(parseXML(plot.svg(id: "t")))
            let height = try XCTUnwrap(Double(root.attributes["height"] ?? ""))
            let ticks = root.all("text")
                .filter { $0.attributes["text-anchor"] == "middle" && $0.attributes["transform"] == nil && Double($0.attributes["y"] ?? "")! > height / 2 }
                .compactMap { Double($0.text) }
            XCTAssertGreaterThanOrEqual(ticks.count, 3, "\(lower)...\(upper): \(ticks)")
            XCTAssertLessThanOrEqual(ticks.count, 11, "\(lower)...\(upper): \(ticks)")
            XCTAssertTrue(ticks.allSatisfy { $0 >= lower - 1e-9 && $0 <= upper + 1e-9 }, "\(ticks) inside \(lower)...\(upper)")
            let step = ticks[1] - ticks[0]
            for (a, b) in zip(ticks, ticks.dropFirst()) { XCTAssertEqual(b - a, step, accuracy: 1e-9 * max(1, abs(step))) }
            // A round step: 1, 2, 2.5 or 5 times a power of ten.
            let mantissa = step / pow(10, floor(log10(step)))
            XCTAssertTrue([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-6 }, "step \(step)")
            // Ticks are multiples of the step.
            for t in ticks { XCTAssertEqual((t / step).rounded(), t / step, accuracy: 1e-6) }
        }
    }

    func testPointsAndBandsAreDrawnOncePerValue() throws {
        var plot = SVGPlot(title: "", xLabel: "", yLabel: "", x: 0...4, y: 0...2)
        plot.points([(x: 1, y: 1, error: 0.2), (x: 2, y: 1.5, error: 0.1), (x: 3, y: 0.5, error: 0.3)], color: "#111", label: "data")
        plot.band([0, 1, 2, 3, 4], lower: [0.9, 0.8, 0.9, 0.7], upper: [1.1, 1.2, 1.1, 1.3], color: "#888")
        plot.horizontalLine(1)
        let root = try XCTUnwrap(parseXML(plot.svg(id: "pb")))
        XCTAssertEqual(root.all("circle").count, 3)
        let band = root.all("rect").filter { $0.attributes["fill-opacity"] == "0.25" }
        XCTAssertEqual(band.count, 4)
        let heights = band.compactMap { Double($0.attributes["height"] ?? "") }
        // Band heights follow upper − lower: 0.2, 0.4, 0.2, 0.6.
        XCTAssertEqual(heights[1] / heights[0], 2, accuracy: 0.02)
        XCTAssertEqual(heights[3] / heights[0], 3, accuracy: 0.02)
        XCTAssertEqual(heights[2], heights[0], accuracy: 0.11)
        XCTAssertTrue(root.all("text").map(\.text).contains("data"))
    }
}
