import Foundation

/// One self-contained HTML page: inline CSS and SVG, no network access needed to view it.
/// The markup is well-formed XML (XHTML), so any XML parser can check it.
public struct HTMLReport {
    public var title: String
    var sections: [(String, String)] = []

    public init(title: String) { self.title = title }

    public mutating func section(_ heading: String, _ html: String) { sections.append((heading, html)) }

    public func render() -> String {
        var out = """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <title>\(escape(title))</title>
        <style>
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; max-width: 1240px; }
        h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
        .grid { display: flex; flex-wrap: wrap; gap: 12px; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
        td, th { border: 1px solid #ccc; padding: 3px 9px; text-align: right; } th { background: #f2f2f2; }
        td:first-child, th:first-child { text-align: left; }
        .note { font-size: 12px; color: #555; }
        </style>
        </head>
        <body>
        <h1>\(escape(title))</h1>

        """
        for (heading, html) in sections {
            out += "<h2>\(escape(heading))</h2>\n\(html)\n"
        }
        return out + "</body>\n</html>\n"
    }

    /// A table with a header row; cells are text.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var out = "<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows { out += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        return out + "</table>"
    }

    public static func grid(_ items: [String]) -> String { "<div class=\"grid\">\n" + items.joined(separator: "\n") + "\n</div>" }
    public static func note(_ text: String) -> String { "<p class=\"note\">\(escape(text))</p>" }
}

/// The physicist's closure plot: weighted histograms with the original and the new weights, and below
/// them the ratio new/original with a band: by default ±√(Σw² + Σw′²)/Σw (two independent samples);
/// `bandVariance` gives the variance per bin instead (for a reweighting of the same events, the original
/// sample's own Σw²).
public enum ClosurePlot {
    public static func svg(id: String, observable: String, unit: String, edges: [Double], reference: [Double], referenceSumW2: [Double],
                           candidate: [Double], candidateSumW2: [Double], bandVariance: [Double]? = nil,
                           labels: (reference: String, candidate: String, ratio: String) = ("original w", "new w′", "w′ / w"),
                           yLabel: String? = nil) -> String {
        let widths = zip(edges.dropFirst(), edges).map { $0 - $1 }
        let density = { (values: [Double]) in zip(values, widths).map { $0 / $1 } }
        let r = density(reference), c = density(candidate)
        let top = max(r.max() ?? 1, c.max() ?? 1) * 1.25
        let positive = (r + c).filter { $0 > 0 }
        let logY = (positive.max() ?? 1) / max(positive.min() ?? 1, 1e-300) > 50
        let axisLabel = unit.isEmpty ? observable : "\(observable) [\(unit)]"
        var main = SVGPlot(title: observable, xLabel: axisLabel, yLabel: yLabel ?? ("Σw / bin width" + (unit.isEmpty ? "" : " [pb/\(unit)]")),
                           x: edges.first!...edges.last!, y: (logY ? (positive.min() ?? 1e-6) * 0.5 : 0)...(logY ? top * 3 : top), logY: logY)
        main.height = 300
        main.steps(edges, r, color: SVGPlot.palette[0], label: labels.reference)
        main.steps(edges, c, color: SVGPlot.palette[1], label: labels.candidate, dashed: true)
        var ratio = SVGPlot(title: "", xLabel: axisLabel, yLabel: labels.ratio, x: edges.first!...edges.last!, y: 0.8...1.2)
        ratio.height = 150
        let ratios = zip(candidate, reference).map { $1 != 0 ? $0 / $1 : 1 }
        let variance = bandVariance ?? zip(referenceSumW2, candidateSumW2).map { $0 + $1 }
        let errors = (0..<reference.count).map { i in reference[i] != 0 ? variance[i].squareRoot() / abs(reference[i]) : 0 }
        ratio.band(edges, lower: errors.map { 1 - $0 }, upper: errors.map { 1 + $0 }, color: "#888")
        ratio.horizontalLine(1)
        ratio.steps(edges, ratios, color: SVGPlot.palette[1], label: labels.ratio + " ± σ")
        return "<div class=\"closure\">\n" + main.svg(id: id) + "\n<br/>\n" + ratio.svg(id: id + "-ratio") + "\n</div>"
    }
}
