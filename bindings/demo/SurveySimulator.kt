// A command-line "survey simulator" on the JVM: a surveyor's phone driven through the Kancha SDK
// against a running kancha-server. The dispatch desk (admin token) dispatches a case; the phone
// receives it, drives to the scene feeding location fixes to the arrival clock, photographs the
// car and the driving licence, checks the checklist, seals, uploads with progress, and prints the
// server's receipt and arrival report.
// Usage: SurveySimulatorKt <server URL> <admin token> <app data dir> <output dir>
// README's run command (`cargo run -p xtask -- demo`) starts the server and runs this.

import cn.kancha.sdk.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.system.exitProcess

private val http = HttpClient.newHttpClient()

private fun call(base: String, method: String, path: String, token: String, body: String? = null): String {
    val req = HttpRequest.newBuilder(URI.create(base.trimEnd('/') + path))
        .header("Authorization", "Bearer $token").header("Content-Type", "application/json")
        .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
        .build()
    val res = http.send(req, HttpResponse.BodyHandlers.ofString())
    if (res.statusCode() !in 200..299) throw IllegalStateException("$method $path answered ${res.statusCode()}: ${res.body()}")
    return res.body()
}

/** One string field of a flat JSON answer (the JDK has no JSON parser). */
private fun field(json: String, key: String): String =
    Regex("\"" + Regex.escape(key) + "\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
        ?: throw IllegalStateException("no \"$key\" in $json")

private fun minutes(d: Duration) = "%d min %02d s".format(d.toMinutes(), d.toSecondsPart())

fun main(args: Array<String>) {
    if (args.size < 4) {
        System.err.println("usage: SurveySimulatorKt <server URL> <admin token> <app data dir> <output dir>")
        exitProcess(2)
    }
    val (base, admin) = args[0] to args[1]
    val dataDir = File(args[2]).apply { deleteRecursively() }
    val out = File(args[3]).apply { mkdirs() }
    println("Kancha SDK ${sdkVersion()} — survey simulator against $base")

    // The dispatch desk: a surveyor and a case dispatched to them 24 minutes ago (30-minute urban target).
    val person = "sim-surveyor"
    val token = field(call(base, "POST", "/v1/tokens", admin, """{"role":"surveyor","person":"$person"}"""), "token")
    val caseId = "SIM-" + System.currentTimeMillis()
    val dispatchedAt = Instant.now().minus(Duration.ofMinutes(24))
    call(base, "POST", "/v1/cases", admin, """{"id":"$caseId","zone":"urban","target_minutes":30,"surveyor":"$person",""" +
        """"dispatched_at":"$dispatchedAt","required_documents":["driver_licence"]}""")
    println("dispatch: case $caseId to $person at $dispatchedAt (urban, 30 minutes)")

    val config = SdkConfig(deviceId = "simulator-01", deviceModel = "JVM simulator", os = System.getProperty("os.name"),
        app = "survey-simulator 1", captureSettingsJson = null)
    val photos = samplePhotos().associateBy { it.name }
    val t0 = System.nanoTime()
    val delivered = CountDownLatch(1)
    var receipt = ""
    KanchaSdk.open(dataDir.path, config).use { sdk ->
        sdk.subscribe(object : EventListener {
            override fun onEvent(event: SdkEvent) {
                when (event) {
                    is SdkEvent.ArrivalChanged -> println("  [arrival] ${event.from} -> ${event.to} at ${event.at}")
                    is SdkEvent.UploadProgress -> println("  [upload] ${event.done} / ${event.total} bytes")
                    is SdkEvent.UploadRetrying -> println("  [upload] retrying in ${event.retryInMs} ms: ${event.reason}")
                    is SdkEvent.Delivered -> { receipt = event.receiptJson; delivered.countDown() }
                    is SdkEvent.DeliveryRejected -> { println("  [upload] REJECTED: ${event.reason}"); delivered.countDown() }
                    else -> {}
                }
            }
        }).use {
            // The phone receives its case list from the server and opens the case on the device.
            val listed = call(base, "GET", "/v1/cases", token)
            check(listed.contains("\"$caseId\"")) { "the server did not list $caseId for $person" }
            val scene = GeoPoint(31.2304, 121.4737, GeoDatum.WGS84)
            val case = sdk.createCase(NewCaseInput(id = caseId, reportNo = "RPT-$caseId", policyNo = "PDAA2026310000000001",
                plate = "沪A·12345", accidentAt = dispatchedAt.minus(Duration.ofMinutes(10)), scene = scene, dispatchedAt = dispatchedAt))
            val clock = sdk.watchArrival(case.id, "urban")
            println("arrival clock: ${clock.state}, deadline ${clock.deadline}, ${clock.minutesLeft} min left")

            // Driving: fixes every few hundred metres along the road, then one at the scene.
            val now = Instant.now()
            for ((i, km) in listOf(2.4, 1.6, 0.8).withIndex()) {
                val p = GeoPoint(scene.lat + km / 111.0, scene.lon, GeoDatum.WGS84)
                val o = sdk.feedFix(case.id, DeviceFix(p, 15.0, now.minusSeconds((3L - i) * 60), false))
                println("fix ${"%.1f".format(km)} km out: ${o.arrival.state}" + (o.arrival.eta?.let { ", ETA ${minutes(Duration.between(now, it))} from now" } ?: ""))
            }
            val here = sdk.feedFix(case.id, DeviceFix(scene, 6.0, Instant.now(), false))
            println("at the scene: ${here.arrival.state} (${here.distanceM?.let { "%.0f".format(it) }} m from the reported point, " +
                "${Duration.between(dispatchedAt, here.arrival.arrivedAt!!).toMinutes()} of ${here.arrival.targetMinutes} minutes)")

            val shots = listOf("front_45_with_plate/v0" to "front_45.jpg", "rear_45_with_plate/v0" to "rear_45_no_offset.jpg",
                "damage_far/v0" to "dark.jpg", "damage_close/v0/front_bumper" to "blurred.jpg", "vin_plate/v0" to "no_exif.jpg",
                "driver_with_vehicle/v0" to "edited.jpg")
            for ((i, pair) in shots.withIndex()) {
                val (shot, file) = pair
                val item = sdk.capturePhoto(case.id, shot, photos.getValue(file).bytes, DeviceFix(scene, 6.0, Instant.now(), false)).item
                if (i == 0) println("open -> first stored photo: ${(System.nanoTime() - t0) / 1_000_000} ms")
                val verdict = if (item.accepted) "accepted" else "REJECTED: " + item.reasons.joinToString("; ") { "${it.messageEn} / ${it.messageZh}" }
                println("photo #${item.seq} $shot: $verdict")
                for (f in item.findings) println("    finding ${f.code} (${f.severity}): ${f.message}")
            }
            val doc = sampleDocumentPhoto()
            val licence = sdk.capturePhoto(case.id, "driver_licence", doc.bytes, DeviceFix(scene, 6.0, Instant.now(), false)).item
            val scan = sdk.captureScan(licence.id, ScanInput(docType = "driver_licence", corners = null, exactCorners = false))
            println("scan of the driving licence: ${scan.item.width}×${scan.item.height}, corners ${scan.cornerSource} " +
                "(confidence ${"%.2f".format(scan.confidence)}), ${if (scan.readable) "readable" else "UNREADABLE"}, from photo #${licence.seq}")

            val review = sdk.review(case.id, ReviewInput(checklist = ChecklistKind.SELF_SERVICE_SINGLE_VEHICLE,
                vehicles = listOf(VehicleInput(insured = true, damagedParts = listOf("front_bumper"))), flags = emptyMap(), vins = emptyList()))
            println("checklist ${review.checklist.id}: " + if (review.checklist.complete) "complete" else "incomplete")
            for (r in review.checklist.requirements) println("    %-22s %s (%d of %d)".format(r.shot, r.status, r.passed.toInt(), r.required.toInt()))

            val bundle = sdk.seal(case.id)
            val zip = File(out, "bundle-${bundle.bundleId}.zip")
            sdk.exportBundle(bundle.bundleId, zip.path)
            println("sealed bundle ${bundle.bundleId}; exported ${zip.length()} bytes to ${zip.path}")
            sdk.startSync(SyncConfig(serverUrl = base, token = token, chunkSize = 256uL * 1024uL, purgeOriginalsAfterReceipt = false))
            check(delivered.await(120, TimeUnit.SECONDS)) { "the bundle was not delivered within 2 minutes" }
            sdk.stopSync()
            println("server receipt: $receipt")
            println("server case: arrival ${field(call(base, "GET", "/v1/cases/$caseId", token), "verdict").ifEmpty { "?" }}")
        }
    }
    println("server arrival report by surveyor: " + call(base, "GET", "/v1/reports/arrivals?by=surveyor", admin))
}
