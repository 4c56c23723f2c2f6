import Foundation

/// A `BinnedModel` as a HistFactory JSON workspace (pyhf's schema, version 1.0.0), with the background-only
/// Asimov counts as its observations: the file pyhf, cabinetry or ROOT's HistFactory read to redo the fit.
public enum HistFactoryWorkspace {
    public static func json(_ model: BinnedModel, channel: String) -> [String: Any] {
        let staterror = "staterror_\(channel)"
        var signalModifiers: [[String: Any]] = [["name": "mu", "type": "normfactor", "data": NSNull()]]
        var backgroundModifiers: [[String: Any]] = []
        if model.backgroundNormalisation > 0 {
            backgroundModifiers.append(["name": "background_normalisation", "type": "normsys",
                                        "data": ["hi": 1 + model.backgroundNormalisation, "lo": 1 - model.backgroundNormalisation]])
        }
        if model.statisticalUncertainty {
            signalModifiers.append(["name": staterror, "type": "staterror", "data": model.signalSumw2.map { $0.squareRoot() }])
            backgroundModifiers.append(["name": staterror, "type": "staterror", "data": model.backgroundSumw2.map { $0.squareRoot() }])
        }
        let samples: [[String: Any]] = [
            ["name": "signal", "data": model.signal, "modifiers": signalModifiers],
            ["name": "background", "data": model.background, "modifiers": backgroundModifiers],
        ]
        return [
            "version": "1.0.0",
            "channels": [["name": channel, "samples": samples]],
            "observations": [["name": channel, "data": model.expectedData(model.nominalParameters(mu: 0)).counts]],
            "measurements": [["name": "expected", "config": ["poi": "mu", "parameters": [[String: Any]]()]]],
        ]
    }

    /// The workspace as canonical bytes (sorted keys), so the same model is the same file.
    public static func data(_ model: BinnedModel, channel: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: json(model, channel: channel), options: [.prettyPrinted, .sortedKeys])
    }
}
