import Foundation

/// A small SVG plotting kit for the report: axes with ticks and labels (linear or log), step histograms,
/// lines, error bands, legends. Every plot is a self-contained `<svg>` element.
public struct SVGPlot {
    public var width = 560.0
    public var height = 360.0
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var logY = false
    var margin = (left: 64.0, right: 16.0, top: 28.0, bottom: 44.0)
    var body = ""
    var legend: [(String, String)] = []

    public static let palette = ["#1f4e9c", "#d1495b", "#2a9d8f", "#e9a03b", "#6c4f9e"]

    public init(title: String, xLabel: String, yLabel: String, x: ClosedRange<Double>, y: ClosedRange<Double>, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        xRange = x
        yRange = logY ? max(y.lowerBound, 1e-12)...max(y.upperBound, 1e-11) : y
        self.logY = logY
    }

    var plotWidth: Double { width - margin.left - margin.right }
    var plotHeight: Double { height - margin.top - margin.bottom }

    func px(_ x: Double) -> Double {
        margin.left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * plotWidth
    }

    func py(_ y: Double) -> Double {
        let fraction: Double
        if logY {
            let v = max(y, yRange.lowerBound)
            fraction = (log10(v) - log10(yRange.lowerBound)) / (log10(yRange.upperBound) - log10(yRange.lowerBound))
        } else {
            fraction = (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
        }
        return margin.top + (1 - min(max(fraction, -0.05), 1.05)) * plotHeight
    }

    /// A histogram drawn as steps over the bin edges.
    public mutating func steps(_ edges: [Double], _ values: [Double], color: String, label: String, dashed: Bool = false) {
        var d = "M \(f(px(edges[0]))) \(f(py(logY ? yRange.lowerBound : 0)))"
        for (i, v) in values.enumerated() {
            d += " L \(f(px(edges[i]))) \(f(py(v))) L \(f(px(edges[i + 1]))) \(f(py(v)))"
        }
        body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
        legend.append((label, color))
    }

    /// A shaded band per bin between lower and upper values (an uncertainty band).
    public mutating func band(_ edges: [Double], lower: [Double], upper: [Double], color: String) {
        for i in lower.indices {
            let y0 = py(upper[i]), y1 = py(lower[i])
            body += "<rect x=\"\(f(px(edges[i])))\" y=\"\(f(y0))\" width=\"\(f(px(edges[i + 1]) - px(edges[i])))\" height=\"\(f(max(0, y1 - y0)))\" fill=\"\(color)\" fill-opacity=\"0.25\"/>\n"
        }
    }

    /// Points joined by a line.
    public mutating func line(_ points: [(Double, Double)], color: String, label: String, dashed: Bool = false) {
        guard let first = points.first else { return }
        var d = "M \(f(px(first.0))) \(f(py(first.1)))"
        for p in points.dropFirst() { d += " L \(f(px(p.0))) \(f(py(p.1)))" }
        body += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
        if !label.isEmpty { legend.append((label, color)) }
    }

    /// Markers with vertical error bars.
    public mutating func points(_ points: [(x: Double, y: Double, error: Double)], color: String, label: String) {
        for p in points {
            body += "<line x1=\"\(f(px(p.x)))\" x2=\"\(f(px(p.x)))\" y1=\"\(f(py(p.y - p.error)))\" y2=\"\(f(py(p.y + p.error)))\" stroke=\"\(color)\"/>"
            body += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"2.2\" fill=\"\(color)\"/>\n"
        }
        legend.append((label, color))
    }

    public mutating func horizontalLine(_ y: Double, color: String = "#777") {
        body += "<line x1=\"\(f(margin.left))\" x2=\"\(f(width - margin.right))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"\(color)\" stroke-dasharray=\"3 3\"/>\n"
    }

    /// The finished `<svg>` element.
    public func svg(id: String) -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(escape(id))\" class=\"plot\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"11\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"white\"/>\n"
        out += "<text x=\"\(f(width / 2))\" y=\"17\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += axes()
        out += "<g clip-path=\"url(#clip-\(escape(id)))\">\n<clipPath id=\"clip-\(escape(id))\"><rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\"/></clipPath>\n"
        out += body + "</g>\n"
        for (i, (label, color)) in legend.enumerated() {
            let y = margin.top + 14 + Double(i) * 15
            out += "<line x1=\"\(f(width - margin.right - 150))\" x2=\"\(f(width - margin.right - 132))\" y1=\"\(f(y - 4))\" y2=\"\(f(y - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            out += "<text x=\"\(f(width - margin.right - 128))\" y=\"\(f(y))\">\(escape(label))</text>\n"
        }
        return out + "</svg>"
    }

    func axes() -> String {
        var out = "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#222\"/>\n"
        for x in Self.ticks(xRange) {
            out += "<line x1=\"\(f(px(x)))\" x2=\"\(f(px(x)))\" y1=\"\(f(height - margin.bottom))\" y2=\"\(f(height - margin.bottom - 5))\" stroke=\"#222\"/>"
            out += "<text x=\"\(f(px(x)))\" y=\"\(f(height - margin.bottom + 14))\" text-anchor=\"middle\">\(Self.label(x))</text>\n"
        }
        let yTicks = logY ? Self.logTicks(yRange) : Self.ticks(yRange)
        for y in yTicks {
            out += "<line x1=\"\(f(margin.left))\" x2=\"\(f(margin.left + 5))\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#222\"/>"
            out += "<text x=\"\(f(margin.left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Self.label(y))</text>\n"
        }
        out += "<text x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(14 \(f(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        return out
    }

    /// About five round tick values inside the range.
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var t = ceil(range.lowerBound / step) * step
        while t <= range.upperBound + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return ticks
    }

    static func logTicks(_ range: ClosedRange<Double>) -> [Double] {
        let lo = Int(floor(log10(range.lowerBound))), hi = Int(ceil(log10(range.upperBound)))
        return (lo...hi).map { pow(10, Double($0)) }.filter { range.contains($0) }
    }

    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e4 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        return String(format: "%g", (v * 1e6).rounded() / 1e6)
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v.isFinite ? v : 0) }
}

/// Escapes text for XML and HTML.
public func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
