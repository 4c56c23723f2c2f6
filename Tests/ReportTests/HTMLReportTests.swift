import Foundation
import XCTest
import Report

/// The report page is well-formed XHTML holding its title, sections, tables and plots as given.
final class HTMLReportTests: XCTestCase {
    func testPageHoldsTitleSectionsAndTablesEscaped() throws {
        let title = #"Closure <A→tt̄> & "negative" weights"#
        var report = HTMLReport(title: title)
        let header = ["sample", "Σw < 0", #"N_eff "Kish""#]
        let rows = [["tt̄ & A", "0.12", "<none>"], ["SM", "-3", "a \"quoted\" cell"]]
        report.section("Summary & <notes>", HTMLReport.table(header, rows) + "\n" + HTMLReport.note("note: x < y & \"z\""))
        var plot = SVGPlot(title: "m_tt", xLabel: "m", yLabel: "n", x: 0...1, y: 0...1)
        plot.steps([0, 0.5, 1], [0.2, 0.8], color: "#000", label: "h")
        report.section("Plots", HTMLReport.grid([plot.svg(id: "one"), plot.svg(id: "two")]))
        let page = report.render()
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(page.contains("<A→tt̄>"), "the title is escaped")
        XCTAssertFalse(page.contains("<none>"), "cells are escaped")

        let root = try XCTUnwrap(parseXML(page))
        XCTAssertEqual(root.name, "html")
        XCTAssertEqual(root.all("title").map(\.text), [title])
        XCTAssertEqual(root.all("h1").map(\.text), [title])
        XCTAssertEqual(root.all("h2").map(\.text), ["Summary & <notes>", "Plots"], "sections in the order they were added")
        XCTAssertEqual(root.all("th").map(\.text), header)
        XCTAssertEqual(root.all("td").map(\.text), rows.flatMap { $0 })
        XCTAssertEqual(root.all("tr").count, 1 + rows.count)
        XCTAssertEqual(root.all("p").filter { $0.attributes["class"] == "note" }.map(\.text), ["note: x < y & \"z\""])
        let grid = try XCTUnwrap(root.all("div").first { $0.attributes["class"] == "grid" })
        XCTAssertEqual(grid.all("svg").map { $0.attributes["id"] ?? "" }, ["one", "two"])
        // The plots come after the table, in the second section.
        let names = root.all.map(\.name)
        XCTAssertLessThan(names.firstIndex(of: "table")!, names.firstIndex(of: "svg")!)
    }

    func testAnEmptyReportIsStillAPage() throws {
        let root = try XCTUnwrap(parseXML(HTMLReport(title: "").render()))
        XCTAssertEqual(root.all("body").count, 1)
        XCTAssertEqual(root.all("h2").count, 0)
        XCTAssertEqual(root.all("meta").first?.attributes["charset"], "utf-8")
    }

    func testClosurePlotHasTheMainAndTheRatioPanel() throws {
        let edges = [0.0, 1, 2, 3, 4]
        let reference = [1_000.0, 100, 10, 1]  // falls by more than 50×: a log axis
        let markup = ClosurePlot.svg(id: "mtt", observable: "m_tt <GeV>", unit: "GeV", edges: edges, reference: reference,
                                     referenceSumW2: [1_000, 100, 10, 1], candidate: reference, candidateSumW2: [900, 90, 9, 0.9],
                                     labels: (reference: "w & w", candidate: "w′ \"new\"", ratio: "w′ / w"))
        let root = try XCTUnwrap(parseXML(markup))
        XCTAssertEqual(root.name, "div")
        let panels = root.all("svg")
        XCTAssertEqual(panels.map { $0.attributes["id"] ?? "" }, ["mtt", "mtt-ratio"])
        let texts = root.all("text").map(\.text)
        for expected in ["m_tt <GeV>", "m_tt <GeV> [GeV]", "w & w", "w′ \"new\"", "w′ / w ± σ"] {
            XCTAssertTrue(texts.contains(expected), "\(expected) not among \(texts)")
        }
        // The main panel's y axis is logarithmic: its tick labels are powers of ten.
        let yTicks = panels[0].all("text").filter { $0.attributes["text-anchor"] == "end" }.compactMap { Double($0.text) }
        XCTAssertGreaterThanOrEqual(yTicks.count, 3)
        for tick in yTicks { XCTAssertEqual(log10(tick), log10(tick).rounded(), accuracy: 1e-9, "\(tick)") }
        // The ratio panel: one band rectangle per bin, and the ratio of equal histograms drawn on the line at 1.
        let ratio = panels[1]
        XCTAssertEqual(ratio.all("rect").filter { $0.attributes["fill-opacity"] == "0.25" }.count, edges.count - 1)
        let unityText = try XCTUnwrap(ratio.all("line").first { $0.attributes["stroke-dasharray"] == "3 3" }?.attributes["y1"])
        let unity = try XCTUnwrap(Double(unityText))
        let ratioPath = try XCTUnwrap(ratio.all("path").first?.attributes["d"])
        let ys = pathPoints(ratioPath).dropFirst().map(\.1)  // after the baseline
        XCTAssertEqual(ys.count, 2 * (edges.count - 1))
        for y in ys { XCTAssertEqual(y, unity, accuracy: 0.051) }
    }
}
