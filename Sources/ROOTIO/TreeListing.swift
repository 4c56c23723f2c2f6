/// A branch as `rootls -t` and uproot's `show()` describe it: its type and its bytes.
public struct BranchListing: Sendable, Equatable {
    public var name: String
    /// The C++ type of an entry, as uproot names it: `float`, `int32_t[]` (counted), `double[3]`,
    /// `std::vector<float>`, `Double32_t`, `char*`; a leaf list's leaves are listed as their own columns.
    public var type: String
    public var entries: Int
    /// The branch's baskets on disk, and decompressed; nil for a leaf of a leaf list, whose bytes its
    /// branch holds.
    public var compressedBytes: Int?
    public var uncompressedBytes: Int?
}

extension TTree {
    /// Whether `name` reads a column of this tree (a branch, a leaf-list leaf, or a name either goes by).
    public func hasColumn(_ name: String) -> Bool {
        branchesByName[name] != nil || leafColumns[name] != nil
    }

    /// Every column of the tree in the order the tree lists them: branches, then each leaf-list leaf.
    public var listing: [BranchListing] {
        branchNames.map { name in
            if let (branch, leaf) = leafColumns[name] {
                return BranchListing(name: name, type: Self.typeName(branch: branch, leaf: leaf), entries: branch.entries,
                                     compressedBytes: nil, uncompressedBytes: nil)
            }
            let branch = branchesByName[name]!
            let type: String
            switch branch.leaves.count {
            case 0: type = branch.className.isEmpty ? "(object)" : branch.className
            case 1: type = Self.typeName(branch: branch, leaf: branch.leaves[0])
            default: type = "struct {" + branch.leaves.map { "\(Self.typeName(branch: branch, leaf: $0)) \($0.name);" }.joined(separator: " ") + "}"
            }
            return BranchListing(name: name, type: type, entries: branch.entries,
                                 compressedBytes: branch.zippedBytes, uncompressedBytes: branch.totalBytes)
        }
    }

    static func typeName(branch: Branch, leaf: Leaf) -> String {
        if leaf.className == "TLeafElement" {
            if branch.className.hasPrefix("vector<") || branch.className.hasPrefix("std::vector<") { return cppTypeName(branch.className) }
            // A member of a split class: its type code, or, for containers, the class it belongs to.
            let code = BranchLayout.fixedArray.contains(leaf.type) ? leaf.type - 20
                : BranchLayout.pointerArray.contains(leaf.type) ? leaf.type - 40 : leaf.type
            let names = [1: "int8_t", 2: "int16_t", 3: "int32_t", 4: "int64_t", 5: "float", 6: "uint32_t", 8: "double",
                         9: "Double32_t", 11: "uint8_t", 12: "uint16_t", 13: "uint32_t", 14: "uint64_t", 16: "int64_t",
                         17: "uint64_t", 18: "bool", 19: "Float16_t", 65: "TString"]
            guard let scalar = names[code] else { return "(member of \(branch.className))" }
            if leaf.count != nil { return scalar + "[]" }
            return leaf.length > 1 ? "\(scalar)[\(leaf.length)]" : scalar
        }
        let u = leaf.isUnsigned ? "u" : ""
        let scalar: String
        switch leaf.className {
        case "TLeafO": scalar = "bool"
        case "TLeafB": scalar = "\(u)int8_t"
        case "TLeafS": scalar = "\(u)int16_t"
        case "TLeafI": scalar = "\(u)int32_t"
        case "TLeafL", "TLeafG": scalar = "\(u)int64_t"
        case "TLeafF": scalar = "float"
        case "TLeafD": scalar = "double"
        case "TLeafD32": scalar = "Double32_t"
        case "TLeafF16": scalar = "Float16_t"
        case "TLeafC": return "char*"
        default: scalar = leaf.className
        }
        if leaf.count != nil { return scalar + "[]" }
        return leaf.length > 1 ? "\(scalar)[\(leaf.length)]" : scalar
    }

    /// A C++ class name as uproot writes it: `vector<vector<int> >` → `std::vector<std::vector<int32_t>>`.
    static func cppTypeName(_ name: String) -> String {
        var characters = Substring(name)
        return typeName(&characters)
    }

    private static func typeName(_ text: inout Substring) -> String {
        var head = ""
        while let c = text.first, c != "<", c != ">", c != "," { head.append(c); text.removeFirst() }
        head = head.split(separator: " ").joined(separator: " ")
        let standard = ["vector", "string", "map", "set", "pair", "array"].contains(head) ? "std::" + head : head
        let numbers = ["int": "int32_t", "unsigned int": "uint32_t", "char": "int8_t", "unsigned char": "uint8_t",
                       "short": "int16_t", "unsigned short": "uint16_t", "long": "int64_t", "long long": "int64_t",
                       "unsigned long": "uint64_t", "unsigned long long": "uint64_t", "Int_t": "int32_t", "UInt_t": "uint32_t",
                       "Long64_t": "int64_t", "ULong64_t": "uint64_t", "Float_t": "float", "Double_t": "double", "Bool_t": "bool"]
        var result = numbers[standard] ?? standard
        guard text.first == "<" else { return result }
        text.removeFirst()
        var arguments: [String] = []
        while !text.isEmpty {
            arguments.append(typeName(&text))
            let separator = text.first
            if !text.isEmpty { text.removeFirst() }
            if separator == ">" { break }
            while text.first == " " { text.removeFirst() }
        }
        result += "<" + arguments.joined(separator: ", ") + ">"
        while text.first == " " { text.removeFirst() }
        return result
    }
}
