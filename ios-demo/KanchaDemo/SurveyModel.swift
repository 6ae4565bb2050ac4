import Foundation
import CoreLocation

/// Owns the one SDK instance and republishes its state for SwiftUI.
@MainActor
final class SurveyModel: NSObject, ObservableObject, CLLocationManagerDelegate {
    let sdk: KanchaSdk
    @Published var cases: [CaseInfo] = []
    @Published var review: CaseReviewInfo?
    @Published var status = ""
    @Published var arrival: ArrivalInfo?
    @Published var upload = ""
    /// The case on screen, whose arrival clock the location updates feed.
    private var current: CaseInfo?
    /// The companion server and the surveyor's token (from `kancha token create`), set in Settings.
    static let serverUrl = "http://127.0.0.1:8080"
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
                guard let self else { return }
                switch event {
                case let .itemStored(_, _, shot, accepted): self.status = (accepted ? "✓ " : "✗ ") + shot
                case let .arrivalChanged(caseId, _, _, _): if caseId == self.current?.id { self.arrival = try? self.sdk.arrivalStatus(caseId: caseId) }
                case let .uploadProgress(_, done, total): self.upload = "uploading \(done * 100 / max(total, 1)) %"
                case let .uploadRetrying(_, _, retryInMs): self.upload = "waiting for the network (\(retryInMs / 1000) s)"
                case .delivered: self.upload = "delivered: the server verified every byte"
                case let .deliveryRejected(_, reason): self.upload = "refused by the server: \(reason)"
                default: break
                }
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

    func load(_ c: CaseInfo) {
        current = c
        review = try? sdk.review(caseId: c.id, input: input)
        // A dispatched case has an arrival clock; a self-service claim has none.
        arrival = c.dispatchedAt == nil ? nil : try? sdk.watchArrival(caseId: c.id, zone: nil)
    }

    func sealAndUpload(_ c: CaseInfo) {
        do {
            let bundle = try sdk.seal(caseId: c.id)
            // Delivery runs on an SDK thread and resumes after the app is killed; progress arrives as events.
            let token = UserDefaults.standard.string(forKey: "kancha.token") ?? ""
            try sdk.startSync(config: SyncConfig(serverUrl: Self.serverUrl, token: token, chunkSize: nil, purgeOriginalsAfterReceipt: false))
            status = "sealed \(bundle.bundleId)"
        } catch { status = "\(error)" }
    }

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
        Task { @MainActor in
            self.lastFix = fix
            if let c = self.current, self.arrival != nil, let outcome = try? self.sdk.feedFix(caseId: c.id, fix: fix) {
                self.arrival = outcome.arrival
            }
        }
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
