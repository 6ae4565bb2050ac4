import SwiftUI

/// The Kancha iOS demo: case list and capture. All logic is in the SDK; this is UI.
@main
struct KanchaDemoApp: App {
    @StateObject private var model = SurveyModel()
    var body: some Scene {
        WindowGroup { CaseListView().environmentObject(model) }
    }
}
