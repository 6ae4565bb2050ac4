// The Swift mirror of bindings/tests/kotlin/SdkTest.kt, for XCTest on a Mac (no Swift toolchain
// exists on the Linux build machines; there only the generated C header is compiled, with clang).
// Add the generated Kancha.swift and KanchaFFI.xcframework to a test target and run.

import CryptoKit
import Foundation
import XCTest
@testable import Kancha

final class Recorder: EventListener, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var events: [SdkEvent] = []
    private(set) var threads: Set<String> = []
    func onEvent(event: SdkEvent) throws {
        lock.lock(); defer { lock.unlock() }
        events.append(event)
        threads.insert(Thread.current.name ?? (Thread.isMainThread ? "main" : "unnamed"))
    }
    func waitFor(_ n: Int, _ pred: (SdkEvent) -> Bool) -> [SdkEvent] {
        let end = Date().addingTimeInterval(10)
        while Date() < end {
            lock.lock(); let got = events.filter(pred); lock.unlock()
            if got.count >= n { return got }
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTFail("waited 10 s for \(n) events"); return []
    }
}

struct Throwing: Error {}

final class ThrowingListener: EventListener {
    func onEvent(event: SdkEvent) throws { throw Throwing() }
}

/// A P-256 key from CryptoKit standing in for the Secure Enclave.
final class CryptoKitSigner: PlatformSigner, @unchecked Sendable {
    let key = P256.Signing.PrivateKey()
    let fail: Bool
    init(fail: Bool = false) { self.fail = fail }
    func publicKey() throws -> Data { key.publicKey.x963Representation }
    func sign(message: Data) throws -> Data {
        if fail { throw ForeignError.Failed(reason: "keystore locked") }
        return try key.signature(for: message).derRepresentation
    }
}

final class KanchaTests: XCTestCase {
    let config = SdkConfig(deviceId: "test-device-1", deviceModel: "iPhone", os: "iOS", app: "swift-suite 1", captureSettingsJson: nil)
    let scene = GeoPoint(lat: 31.2304, lon: 121.4737, datum: .wgs84)
    lazy var samples: [String: Data] = Dictionary(uniqueKeysWithValues: samplePhotos().map { ($0.name, $0.bytes) })

    func freshDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
    }
    func fix(mock: Bool = false) -> DeviceFix { DeviceFix(point: scene, accuracyM: 8, at: Date(), mock: mock) }
    func selfService(_ report: String) -> NewCaseInput {
        NewCaseInput(id: nil, reportNo: report, policyNo: nil, plate: nil, accidentAt: Date(), scene: scene, dispatchedAt: nil)
    }

    func testCaptureSealExport() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let c = try sdk.createCase(input: selfService("RPT-SW-0001"))
        let first = try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: fix())
        XCTAssertTrue(first.created && first.item.accepted)
        let blurred = try sdk.capturePhoto(caseId: c.id, shot: "damage_close", jpeg: samples["blurred.jpg"]!, fix: fix()).item
        XCTAssertFalse(blurred.accepted)
        XCTAssertEqual(blurred.reasons.first?.code, "blurred")
        let noExif = try sdk.capturePhoto(caseId: c.id, shot: "vin", jpeg: samples["no_exif.jpg"]!, fix: nil).item
        XCTAssertTrue(noExif.findings.contains { $0.code == "exif_missing" })
        let bundle = try sdk.seal(caseId: c.id)
        XCTAssertEqual(bundle.state, .queued)
        let out = freshDir() + ".zip"
        try sdk.exportBundle(bundleId: bundle.bundleId, outPath: out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
    }

    func testErrorsAreTypedSwiftErrors() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        XCTAssertThrowsError(try sdk.capturePhoto(caseId: "no-such-case", shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: nil)) {
            guard case KanchaError.CaseNotFound = $0 else { return XCTFail("\($0)") }
        }
        let c = try sdk.createCase(input: selfService("RPT-SW-0002"))
        XCTAssertThrowsError(try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: Data(), fix: nil)) {
            guard case KanchaError.PhotoRefused = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: samples["front_45.jpg"]!,
                                                  fix: DeviceFix(point: GeoPoint(lat: 95, lon: 121, datum: .wgs84), accuracyM: nil, at: Date(), mock: false))) {
            guard case KanchaError.InvalidArgument = $0 else { return XCTFail("\($0)") }
        }
    }

    func testListenersRunOnAnSdkThreadAndThrowingOnesAreIgnored() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let rec = Recorder()
        let sub = try sdk.subscribe(listener: rec)
        let bad = try sdk.subscribe(listener: ThrowingListener())
        let c = try sdk.createCase(input: selfService("RPT-SW-0003"))
        _ = try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: fix())
        _ = rec.waitFor(1) { if case .itemStored = $0 { return true }; return false }
        XCTAssertFalse(rec.threads.contains("main"))
        XCTAssertGreaterThanOrEqual(sdk.listenerFailures(), 1)
        sub.cancel(); bad.cancel()
    }

    func testManyThreadsAtOnce() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let photos = samples.filter { $0.key.hasPrefix("orientation_") }
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            let c = try! sdk.createCase(input: selfService("RPT-SW-MT-\(t)"))
            for (name, bytes) in photos { _ = try! sdk.capturePhoto(caseId: c.id, shot: name, jpeg: bytes, fix: fix()) }
        }
        XCTAssertEqual(try sdk.cases().count, 8)
    }

    func testClosedAlreadyOpenAndUnusableDirectory() throws {
        let dir = freshDir()
        let sdk = try KanchaSdk.open(dataDir: dir, config: config)
        XCTAssertThrowsError(try KanchaSdk.open(dataDir: dir, config: config)) {
            guard case KanchaError.AlreadyOpen = $0 else { return XCTFail("\($0)") }
        }
        sdk.shutdown()
        XCTAssertThrowsError(try sdk.cases()) { guard case KanchaError.Closed = $0 else { return XCTFail("\($0)") } }
        let file = freshDir()
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        XCTAssertThrowsError(try KanchaSdk.open(dataDir: file + "/kancha", config: config)) {
            guard case KanchaError.DataDirUnusable = $0 else { return XCTFail("\($0)") }
        }
    }

    func testPlatformSigner() throws {
        let sdk = try KanchaSdk.openWithSigner(dataDir: freshDir(), config: config, signer: CryptoKitSigner())
        defer { sdk.shutdown() }
        let c = try sdk.createCase(input: selfService("RPT-SW-0005"))
        _ = try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: fix())
        XCTAssertEqual(try sdk.seal(caseId: c.id).state, .queued)
        let failing = try KanchaSdk.openWithSigner(dataDir: freshDir(), config: config, signer: CryptoKitSigner(fail: true))
        defer { failing.shutdown() }
        let d = try failing.createCase(input: selfService("RPT-SW-0006"))
        _ = try failing.capturePhoto(caseId: d.id, shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: fix())
        XCTAssertThrowsError(try failing.seal(caseId: d.id)) { guard case KanchaError.Signer = $0 else { return XCTFail("\($0)") } }
    }

    /// Needs a kancha-server: set KANCHA_SERVER (base URL) and KANCHA_SURVEYOR_TOKEN in the scheme.
    func testSyncDeliversWithProgressAndReceipt() throws {
        let env = ProcessInfo.processInfo.environment
        guard let server = env["KANCHA_SERVER"], let token = env["KANCHA_SURVEYOR_TOKEN"], let caseId = env["KANCHA_CASE_ID"] else {
            throw XCTSkip("set KANCHA_SERVER, KANCHA_SURVEYOR_TOKEN and KANCHA_CASE_ID (a case dispatched to that surveyor)")
        }
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let rec = Recorder()
        let sub = try sdk.subscribe(listener: rec)
        defer { sub.cancel() }
        let c = try sdk.createCase(input: NewCaseInput(id: caseId, reportNo: "RPT-\(caseId)", policyNo: nil, plate: nil,
                                                       accidentAt: nil, scene: scene, dispatchedAt: Date().addingTimeInterval(-600)))
        _ = try sdk.watchArrival(caseId: c.id, zone: "urban")
        let here = try sdk.feedFix(caseId: c.id, fix: fix())
        XCTAssertEqual(here.arrival.state, .arrivedOnTime)
        _ = try sdk.capturePhoto(caseId: c.id, shot: "front_45", jpeg: samples["front_45.jpg"]!, fix: fix())
        let bundle = try sdk.seal(caseId: c.id)
        XCTAssertThrowsError(try sdk.startSync(config: SyncConfig(serverUrl: "ftp://nowhere", token: token, chunkSize: nil, purgeOriginalsAfterReceipt: false)))
        try sdk.startSync(config: SyncConfig(serverUrl: server, token: token, chunkSize: 65536, purgeOriginalsAfterReceipt: false))
        let delivered = rec.waitFor(1) { if case .delivered = $0 { return true } else { return false } }
        guard case let .delivered(bundleId, receiptJson) = delivered.first else { return XCTFail("no receipt") }
        XCTAssertEqual(bundleId, bundle.bundleId)
        XCTAssertTrue(receiptJson.contains(caseId))
        XCTAssertEqual(try sdk.bundleForCase(caseId: c.id)?.state, .delivered)
        try sdk.stopSync()
    }

    func testArrivalClockTurnsLateOnItsOwn() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let rec = Recorder()
        let sub = try sdk.subscribe(listener: rec)
        defer { sub.cancel() }
        let c = try sdk.createCase(input: NewCaseInput(id: "SW-LATE", reportNo: "RPT-SW-LATE", policyNo: nil, plate: nil,
                                                       accidentAt: nil, scene: scene, dispatchedAt: Date().addingTimeInterval(-30 * 60 + 1.5)))
        let clock = try sdk.watchArrival(caseId: c.id, zone: "urban")
        XCTAssertEqual(clock.state, .atRisk)
        let late = rec.waitFor(1) { if case .arrivalChanged(_, _, .late, _) = $0 { return true } else { return false } }
        guard case let .arrivalChanged(_, from, _, at) = late.first else { return XCTFail("no late event") }
        XCTAssertEqual(from, .atRisk)
        XCTAssertEqual(at, clock.deadline)
        let selfService = try sdk.createCase(input: selfService("RPT-SW-NO-DISPATCH"))
        XCTAssertThrowsError(try sdk.watchArrival(caseId: selfService.id, zone: nil)) { e in
            guard case KanchaError.Arrival = e else { return XCTFail("expected Arrival, got \(e)") }
        }
    }

    func testScanFiledBesideItsOriginal() throws {
        let sdk = try KanchaSdk.open(dataDir: freshDir(), config: config)
        defer { sdk.shutdown() }
        let c = try sdk.createCase(input: selfService("RPT-SW-SCAN"))
        let doc = sampleDocumentPhoto()
        let photo = try sdk.capturePhoto(caseId: c.id, shot: "driver_licence", jpeg: doc.bytes, fix: fix()).item
        let scan = try sdk.captureScan(photoItemId: photo.id, input: ScanInput(docType: "driver_licence", corners: nil, exactCorners: false))
        XCTAssertEqual(scan.item.kind, "scan")
        XCTAssertEqual(scan.item.derivedFrom, photo.id)
        XCTAssertTrue(scan.readable)
        XCTAssertLessThan(zip(scan.corners, doc.corners).map { abs($0 - $1) }.max()!, 6)
        XCTAssertThrowsError(try sdk.captureScan(photoItemId: photo.id, input: ScanInput(docType: "no_such_document", corners: nil, exactCorners: false)))
    }
}
