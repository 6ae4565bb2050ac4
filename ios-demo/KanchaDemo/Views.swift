import AVFoundation
import SwiftUI

struct CaseListView: View {
    @EnvironmentObject var model: SurveyModel
    var body: some View {
        NavigationStack {
            List(model.cases, id: \.id) { c in
                NavigationLink(c.reportNo) { CaptureView(caseInfo: c) }
            }
            .navigationTitle("Cases 案件")
            .toolbar { Button("New 自助理赔") { model.newSelfServiceCase() } }
        }
    }
}

struct CaptureView: View {
    @EnvironmentObject var model: SurveyModel
    let caseInfo: CaseInfo
    @StateObject private var camera = Camera()
    var body: some View {
        VStack {
            CameraPreview(session: camera.session).frame(maxHeight: 320)
            Button("Capture \(model.nextShot)") { camera.shoot { model.capture(caseInfo, jpeg: $0) } }
            Button("Seal & upload") { model.sealAndUpload(caseInfo) }
            Text(model.status).font(.footnote)
            if let a = model.arrival {
                Text("Arrival: \(String(describing: a.state)) " + (a.minutesLeft.map { "\($0) min left" } ?? a.minutesLate.map { "\($0) min late" } ?? ""))
                    .font(.footnote)
            }
            if !model.upload.isEmpty { Text(model.upload).font(.footnote) }
            List(model.review?.checklist.requirements ?? [], id: \.shot) { r in
                VStack(alignment: .leading) { Text(r.textZh); Text(r.textEn).font(.caption) }
            }
        }
        .onAppear { model.load(caseInfo); camera.start() }
    }
}

/// AVFoundation capture that hands over the JPEG bytes untouched (the SDK hashes the original).
final class Camera: NSObject, ObservableObject, AVCapturePhotoCaptureDelegate {
    let session = AVCaptureSession()
    private let output = AVCapturePhotoOutput()
    private var done: ((Data) -> Void)?
    func start() {
        guard let device = AVCaptureDevice.default(for: .video), let input = try? AVCaptureDeviceInput(device: device) else { return }
        session.beginConfiguration()
        if session.canAddInput(input) { session.addInput(input) }
        if session.canAddOutput(output) { session.addOutput(output) }
        session.commitConfiguration()
        DispatchQueue.global().async { self.session.startRunning() }
    }
    func shoot(_ done: @escaping (Data) -> Void) {
        self.done = done
        output.capturePhoto(with: AVCapturePhotoSettings(format: [AVVideoCodecKey: AVVideoCodecType.jpeg]), delegate: self)
    }
    func photoOutput(_ o: AVCapturePhotoOutput, didFinishProcessingPhoto p: AVCapturePhoto, error: Error?) {
        if let data = p.fileDataRepresentation() { done?(data) }
    }
}

struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession
    func makeUIView(context: Context) -> UIView {
        let v = UIView()
        let layer = AVCaptureVideoPreviewLayer(session: session)
        layer.videoGravity = .resizeAspectFill
        layer.frame = UIScreen.main.bounds
        v.layer.addSublayer(layer)
        return v
    }
    func updateUIView(_ v: UIView, context: Context) {}
}
