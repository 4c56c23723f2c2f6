/// What can go wrong reading a ROOT file, with the file, tree, branch and entries it concerns.
public enum ROOTError: Error, CustomStringConvertible, Equatable {
    case notROOT(file: String)
    /// A record that does not parse; the reader adds the file.
    case corrupt(String)
    case unsupported(String)
    case missingTree(file: String, tree: String, available: [String])
    case missingBranch(file: String, tree: String, branch: String, close: [String])
    case badBasket(file: String, branch: String, entries: Range<Int>, reason: String)
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .notROOT(let file): return "\(file): not a ROOT file (no 'root' magic)"
        case .corrupt(let reason): return "corrupt ROOT data: \(reason)"
        case .unsupported(let reason): return "unsupported: \(reason)"
        case .missingTree(let file, let tree, let available):
            return "\(file): no tree '\(tree)'" + (available.isEmpty ? " (the file has no trees)" : "; trees: \(available.joined(separator: ", "))")
        case .missingBranch(let file, let tree, let branch, let close):
            return "\(file): tree '\(tree)' has no branch '\(branch)'" + (close.isEmpty ? "" : "; close names: \(close.joined(separator: ", "))")
        case .badBasket(let file, let branch, let entries, let reason):
            return "\(file): branch '\(branch)', entries \(entries.lowerBound)–\(entries.upperBound - 1): \(reason)"
        case .io(let file, let reason): return "\(file): \(reason)"
        }
    }
}
