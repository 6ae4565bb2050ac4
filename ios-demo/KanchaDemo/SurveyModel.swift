import Foundation
import CoreLocation

/// Owns the one SDK instance and republishes its state for SwiftUI.
@MainActor
final class SurveyModel: NSObject, ObservableObject, CLLocationManagerDelegate {
    let sdk: KanchaSdk
    @Published var cases: [CaseInfo] = []
    @Published var review: CaseReviewInfo?
    @Published var status = ""
    private var subscription: Subscription?
    private let location = CLLocationManager()
    private var lastFix: DeviceFix?
    let input = ReviewInput(checklist: .selfServiceSingleVehicle, vehicles: [VehicleInput(insured: true, damagedParts: ["front_bumper"])], flags: [:], vins: [])

    override init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("kancha").path
        sdk = try! KanchaSdk.open(dataDir: dir, config: SdkConfig(deviceId: UIDeviceId.value, deviceModel: "iPhone", os: "iOS", app: "kancha-ios-demo 0.1.0", captureSettingsJson: nil))
        super.init()
        // Events arrive on an SDK thread: hop to the main actor.
        subscription = try? sdk.subscribe(listener: Listener { [weak self] event in
            Task { @MainActor in
                if case let .itemStored(_, _, shot, accepted) = event { self?.status = (accepted ? "✓ " : "✗ ") + shot }
            }
        })
        location.delegate = self
        location.requestWhenInUseAuthorization()
        location.startUpdatingLocation()
        refresh()
    }

    func refresh() { cases = (try? sdk.cases()) ?? [] }

    func newSelfServiceCase() {
        do {
            _ = try sdk.createCase(input: NewCaseInput(id: nil, reportNo: "RPT-\(Int(Date().timeIntervalSince1970))", policyNo: nil, plate: nil, accidentAt: Date(), scene: nil, dispatchedAt: nil))
            refresh()
        } catch { status = "\(error)" }
    }

    func load(_ c: CaseInfo) { review = try? sdk.review(caseId: c.id, input: input) }

    var nextShot: String { review?.checklist.requirements.first { $0.status != .done }?.shot ?? "extra" }

    func capture(_ c: CaseInfo, jpeg: Data) {
        let shot = nextShot, fix = lastFix, sdk = sdk, input = input
        Task.detached {
            let text: String
            do {
                let item = try sdk.capturePhoto(caseId: c.id, shot: shot, jpeg: jpeg, fix: fix).item
                text = item.accepted ? "stored #\(item.seq)" : item.reasons.map { $0.messageZh + "\n" + $0.messageEn }.joined(separator: "\n")
            } catch { text = "\(error)" }
            let next = try? sdk.review(caseId: c.id, input: input)
            await MainActor.run { self.status = text; self.review = next }
        }
    }

    nonisolated func locationManager(_ m: CLLocationManager, didUpdateLocations locs: [CLLocation]) {
        guard let l = locs.last else { return }
        let simulated = l.sourceInformation?.isSimulatedBySoftware ?? false
        let fix = DeviceFix(point: GeoPoint(lat: l.coordinate.latitude, lon: l.coordinate.longitude, datum: .wgs84), accuracyM: l.horizontalAccuracy, at: l.timestamp, mock: simulated)
        Task { @MainActor in self.lastFix = fix }
    }
}

final class Listener: EventListener {
    let f: (SdkEvent) -> Void
    init(_ f: @escaping (SdkEvent) -> Void) { self.f = f }
    func onEvent(event: SdkEvent) throws { f(event) }
}

enum UIDeviceId {
    /// A random id per installation: stable, nothing personal.
    static var value: String {
        if let id = UserDefaults.standard.string(forKey: "kancha.install_id") { return id }
        let id = UUID().uuidString
        UserDefaults.standard.set(id, forKey: "kancha.install_id")
        return id
    }
}
