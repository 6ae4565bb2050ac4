// A command-line "survey simulator" on the JVM: a surveyor's phone driven through the Kancha SDK.
// It opens the SDK, receives a dispatched case, photographs the scene with the sample photos,
// prints each verdict and finding as the app would show them, seals and exports the bundle.
// Build and run it with `cargo run -p xtask -- sdk-demo` (see README, "SDK for app developers").

import cn.kancha.sdk.*
import java.io.File
import java.time.Duration
import java.time.Instant

fun main(args: Array<String>) {
    val dataDir = File(args.getOrElse(0) { "build/sdk-demo/app-data" })
    val out = File(args.getOrElse(1) { "build/sdk-demo" }).apply { mkdirs() }
    dataDir.deleteRecursively()
    val config = SdkConfig(deviceId = "simulator-01", deviceModel = "JVM simulator", os = System.getProperty("os.name"), app = "survey-simulator 1", captureSettingsJson = null)
    println("Kancha SDK ${sdkVersion()} — survey simulator")
    val photos = samplePhotos().associateBy { it.name }
    val t0 = System.nanoTime()
    KanchaSdk.open(dataDir.path, config).use { sdk ->
        sdk.subscribe(object : EventListener {
            override fun onEvent(event: SdkEvent) { println("  [event on ${Thread.currentThread().name}] $event") }
        }).use {
            val scene = GeoPoint(31.2304, 121.4737, GeoDatum.WGS84)
            val dispatched = Instant.now().minus(Duration.ofMinutes(22))
            val case = sdk.createCase(NewCaseInput(id = null, reportNo = "RPT-SIM-0001", policyNo = "PDAA2026310000000001", plate = "沪A·12345",
                accidentAt = dispatched.minus(Duration.ofMinutes(10)), scene = scene, dispatchedAt = dispatched))
            println("dispatched: case ${case.id} (report ${case.reportNo}), scene ${scene.lat},${scene.lon} ${scene.datum}")
            val shots = listOf("front_45" to "front_45.jpg", "rear_45" to "rear_45_no_offset.jpg", "damage_close" to "blurred.jpg",
                "damage_far" to "dark.jpg", "vin" to "no_exif.jpg", "driver_with_car" to "edited.jpg")
            for ((i, pair) in shots.withIndex()) {
                val (shot, file) = pair
                val fix = DeviceFix(scene, 6.0, Instant.now(), mock = false)
                val item = sdk.capturePhoto(case.id, shot, photos.getValue(file).bytes, fix).item
                if (i == 0) println("open -> first stored photo: ${(System.nanoTime() - t0) / 1_000_000} ms")
                val verdict = if (item.accepted) "accepted" else "REJECTED: " + item.reasons.joinToString("; ") { "${it.messageEn} / ${it.messageZh}" }
                println("photo #${item.seq} $shot: $verdict")
                for (f in item.findings) println("    finding ${f.code} (${f.severity}): ${f.message}")
            }
            val bundle = sdk.seal(case.id)
            val zip = File(out, "bundle-${bundle.bundleId}.zip")
            sdk.exportBundle(bundle.bundleId, zip.path)
            println("sealed bundle ${bundle.bundleId} (${bundle.state}), exported ${zip.length()} bytes to ${zip.path}")
            println("verify it with: cargo run -p kancha-server --bin kancha -- verify ${zip.path}")
            Thread.sleep(200) // let the event thread print the last events
        }
    }
}
