// The Kotlin suite for the generated bindings, run on the JVM with JNA: it drives the SDK as an
// Android app would. Usage: SdkTestKt <scratch dir> <server base URL> <admin token>: the server is a
// real kancha-server the Rust harness started on a free loopback port. Prints one line per test
// and a closing "N passed, M failed"; exits 1 when anything failed.

import cn.kancha.sdk.*
import java.io.File
import java.math.BigInteger
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import java.time.Instant
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.system.exitProcess

private val results = mutableListOf<Pair<String, Throwable?>>()
private lateinit var scratch: File
private var dirs = 0

private fun test(name: String, body: () -> Unit) {
    val t0 = System.nanoTime()
    val err = try { body(); null } catch (e: Throwable) { e }
    results.add(name to err)
    val ms = (System.nanoTime() - t0) / 1_000_000
    if (err == null) println("ok   $name (${ms} ms)") else { println("FAIL $name: $err"); err.printStackTrace(System.out) }
}

private fun check(cond: Boolean, what: () -> String) { if (!cond) throw AssertionError(what()) }

private inline fun <reified T : Throwable> assertThrows(body: () -> Unit): T {
    try { body() } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionError("expected ${T::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${T::class.simpleName}, nothing was thrown")
}

private fun freshDir(): String = File(scratch, "app-${++dirs}").path

private val config = SdkConfig(deviceId = "test-device-1", deviceModel = "JVM", os = System.getProperty("os.name"), app = "kotlin-suite 1", captureSettingsJson = null)

private val scene = GeoPoint(lat = 31.2304, lon = 121.4737, datum = GeoDatum.WGS84)

private fun fix(mock: Boolean = false) = DeviceFix(point = scene, accuracyM = 8.0, at = Instant.now(), mock = mock)

private fun selfService(report: String) = NewCaseInput(id = null, reportNo = report, policyNo = "PDAA2026310000000001", plate = "沪A·12345", accidentAt = Instant.parse("2026-11-21T02:00:00Z"), scene = scene, dispatchedAt = null)

/** The companion server, spoken to as the dispatch desk and the surveyor's back office would. */
private class Server(val base: String, val admin: String) {
    private val http = HttpClient.newHttpClient()
    fun call(method: String, path: String, token: String, body: String? = null): String {
        val req = HttpRequest.newBuilder(URI.create(base.trimEnd('/') + path))
            .header("Authorization", "Bearer $token").header("Content-Type", "application/json")
            .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
            .build()
        val res = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(res.statusCode() in 200..299) { "$method $path answered ${res.statusCode()}: ${res.body()}" }
        return res.body()
    }
    /** A new surveyor's bearer token. */
    fun surveyorToken(person: String): String =
        field(call("POST", "/v1/tokens", admin, """{"role":"surveyor","person":"$person"}"""), "token")
    /** Dispatches a case to a surveyor, received `minutesAgo` minutes ago. */
    fun dispatch(caseId: String, person: String, dispatchedAt: Instant) {
        call("POST", "/v1/cases", admin, """{"id":"$caseId","zone":"urban","target_minutes":30,"surveyor":"$person",""" +
            """"dispatched_at":"$dispatchedAt","required_documents":["driver_licence"]}""")
    }
}

/** One string field of a JSON object (the JDK has no JSON parser; these answers are flat enough). */
private fun field(json: String, key: String): String =
    Regex("\"" + Regex.escape(key) + "\"\\s*:\\s*\"([^\"]*)\"").find(json)?.groupValues?.get(1)
        ?: throw AssertionError("no \"$key\" in $json")

/** Collects events and the names of the threads that delivered them. */
private class Recorder : EventListener {
    val events: MutableList<SdkEvent> = Collections.synchronizedList(mutableListOf())
    val threads: MutableSet<String> = Collections.synchronizedSet(mutableSetOf())
    override fun onEvent(event: SdkEvent) { threads.add(Thread.currentThread().name); events.add(event) }
    fun waitFor(n: Int, pred: (SdkEvent) -> Boolean): List<SdkEvent> {
        val end = System.nanoTime() + 60_000_000_000L
        while (System.nanoTime() < end) {
            val got = synchronized(events) { events.filter(pred) }
            if (got.size >= n) return got
            Thread.sleep(10)
        }
        throw AssertionError("waited 60 s for $n events, got ${events.size}: $events")
    }
}

/** A P-256 key from the JVM's own provider, standing in for Android Keystore. */
private class JvmSigner(val fail: Boolean = false) : PlatformSigner {
    val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
    val signatures = AtomicInteger()
    override fun publicKey(): ByteArray {
        val w = (pair.public as ECPublicKey).w
        fun fixed(b: BigInteger): ByteArray { val raw = b.toByteArray().dropWhile { it == 0.toByte() }.toByteArray(); return ByteArray(32 - raw.size) + raw }
        return byteArrayOf(4) + fixed(w.affineX) + fixed(w.affineY)
    }
    override fun sign(message: ByteArray): ByteArray {
        if (fail) throw IllegalStateException("keystore locked")
        signatures.incrementAndGet()
        return Signature.getInstance("SHA256withECDSA").apply { initSign(pair.private); update(message) }.sign()
    }
}

fun main(args: Array<String>) {
    scratch = File(args.getOrElse(0) { "build/kotlin-suite" }).apply { mkdirs() }
    val server = Server(args.getOrElse(1) { throw IllegalArgumentException("usage: SdkTestKt <scratch> <server URL> <admin token>") }, args[2])
    val samples = sampleSamples()
    val byName = samples.associateBy { it.name }

    test("open, create a self-service case, capture the sample photos, seal, export") {
        val t0 = System.nanoTime()
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val case = sdk.createCase(selfService("RPT-KT-0001"))
            val first = sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
            println("     open -> first stored photo: ${(System.nanoTime() - t0) / 1_000_000} ms")
            check(first.created && first.item.accepted) { "front_45 should be stored and accepted: ${first.item}" }
            check(first.item.sha256.length == 64) { "sha256 ${first.item.sha256}" }
            check(first.item.findings.none { it.code == "device_fix_missing" }) { "a fix was given: ${first.item.findings}" }
            val blurred = sdk.capturePhoto(case.id, "damage_close", byName.getValue("blurred.jpg").bytes, fix()).item
            check(!blurred.accepted && blurred.reasons.any { it.code == "blurred" }) { "blurred: ${blurred.reasons}" }
            check(blurred.reasons.first().messageZh.isNotBlank() && blurred.reasons.first().messageEn.contains("blurred")) { "reason texts" }
            val noExif = sdk.capturePhoto(case.id, "vin", byName.getValue("no_exif.jpg").bytes, null).item
            check(noExif.findings.any { it.code == "exif_missing" }) { "no_exif findings: ${noExif.findings}" }
            check(noExif.findings.any { it.code == "device_fix_missing" }) { "no fix given: ${noExif.findings}" }
            val mocked = sdk.capturePhoto(case.id, "rear_45", byName.getValue("rear_45_no_offset.jpg").bytes, fix(mock = true)).item
            check(mocked.findings.any { it.code == "mock_location" && it.severity != FindingSeverity.INFO }) { "mock: ${mocked.findings}" }
            val again = sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
            check(!again.created && again.item.id == first.item.id) { "same bytes twice must give one item" }
            val items = sdk.items(case.id)
            check(items.map { it.seq } == listOf(1uL, 2uL, 3uL, 4uL)) { "items ${items.map { it.seq }}" }
            val bundle = sdk.seal(case.id)
            check(bundle.state == DeliveryState.QUEUED && bundle.caseId == case.id) { "bundle $bundle" }
            check(sdk.case(case.id).status == CaseStatus.SEALED) { "case should be sealed" }
            check(sdk.seal(case.id).bundleId == bundle.bundleId) { "sealing twice gives the same bundle" }
            val zip = File(scratch, "bundle-${bundle.bundleId}.zip")
            sdk.exportBundle(bundle.bundleId, zip.path)
            val total = items.sumOf { it.size.toLong() }
            check(zip.length() > total) { "export ${zip.length()} bytes should hold all $total bytes of originals" }
            File(scratch, "exported-bundle.path").writeText(zip.path)
        }
    }

    test("every sample photo is stored or refused with a Kotlin exception, never a crash") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val case = sdk.createCase(selfService("RPT-KT-0002"))
            var stored = 0
            for (s in samples) {
                try { sdk.capturePhoto(case.id, s.name.removeSuffix(".jpg"), s.bytes, fix()); stored++ } catch (e: KanchaException.PhotoRefused) { }
            }
            check(stored == samples.size) { "every sample is a decodable JPEG; stored $stored of ${samples.size}" }
            check(sdk.items(case.id).size == samples.size) { "items listed" }
        }
    }

    test("errors arrive as typed Kotlin exceptions with actionable messages") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val e = assertThrows<KanchaException.CaseNotFound> { sdk.capturePhoto("no-such-case", "front_45", byName.getValue("front_45.jpg").bytes, null) }
            check(e.message!!.contains("no-such-case")) { e.message!! }
            val case = sdk.createCase(selfService("RPT-KT-0003"))
            assertThrows<KanchaException.PhotoRefused> { sdk.capturePhoto(case.id, "front_45", ByteArray(0), null) }
            val notJpeg = assertThrows<KanchaException.PhotoRefused> { sdk.capturePhoto(case.id, "front_45", "not a photo".toByteArray(), null) }
            check(notJpeg.message!!.contains("not_jpeg")) { notJpeg.message!! }
            val jpeg = byName.getValue("front_45.jpg").bytes
            assertThrows<KanchaException.PhotoRefused> { sdk.capturePhoto(case.id, "front_45", jpeg.copyOf(jpeg.size / 2), null) }
            val bad = assertThrows<KanchaException.InvalidArgument> {
                sdk.capturePhoto(case.id, "front_45", jpeg, DeviceFix(GeoPoint(95.0, 121.0, GeoDatum.WGS84), null, Instant.now(), false))
            }
            check(bad.message!!.contains("latitude")) { bad.message!! }
            assertThrows<KanchaException.InvalidArgument> { sdk.createCase(selfService(" ")) }
            assertThrows<KanchaException.InvalidArgument> { sdk.capturePhoto(case.id, "", jpeg, null) }
            check(sdk.items(case.id).isEmpty()) { "nothing is stored by refused calls" }
            sdk.capturePhoto(case.id, "front_45", jpeg, fix())
            sdk.seal(case.id)
            val sealed = assertThrows<KanchaException.Conflict> { sdk.capturePhoto(case.id, "rear_45", byName.getValue("dark.jpg").bytes, fix()) }
            check(sealed.message!!.contains("sealed")) { sealed.message!! }
            assertThrows<KanchaException.NotFound> { sdk.exportBundle("no-such-bundle", File(scratch, "x.zip").path) }
        }
    }

    test("listeners are called on an SDK thread, not the caller's") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val rec = Recorder()
            sdk.subscribe(rec).use {
                val case = sdk.createCase(selfService("RPT-KT-0004"))
                sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
                sdk.capturePhoto(case.id, "dark", byName.getValue("dark.jpg").bytes, fix())
                val stored = rec.waitFor(2) { it is SdkEvent.ItemStored }.map { it as SdkEvent.ItemStored }
                check(stored.map { it.shot } == listOf("front_45", "dark")) { "order: $stored" }
                check(stored[0].accepted && !stored[1].accepted) { "verdicts travel with the event: $stored" }
                val sealed = sdk.seal(case.id)
                val ev = rec.waitFor(1) { it is SdkEvent.CaseSealed }.single() as SdkEvent.CaseSealed
                check(ev.bundleId == sealed.bundleId) { "sealed event $ev" }
                // JNA names attached native threads Thread-N; what matters is that it is never the caller's.
                val caller = Thread.currentThread().name
                check(rec.threads.isNotEmpty() && caller !in rec.threads) { "delivered on ${rec.threads}, caller is $caller" }
            }
        }
    }

    test("a cancelled or closed subscription gets no more events") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val kept = Recorder(); val dropped = Recorder(); val cancelled = Recorder()
            val keep = sdk.subscribe(kept)
            sdk.subscribe(dropped).close()           // Kotlin close() drops the Rust handle
            sdk.subscribe(cancelled).apply { cancel(); cancel() }
            val case = sdk.createCase(selfService("RPT-KT-0005"))
            sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
            kept.waitFor(1) { it is SdkEvent.ItemStored }
            Thread.sleep(100)
            check(dropped.events.isEmpty() && cancelled.events.isEmpty()) { "dropped ${dropped.events}, cancelled ${cancelled.events}" }
            keep.close()
        }
    }

    test("a listener that throws is counted and ignored; others still get the event") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val bad = object : EventListener { override fun onEvent(event: SdkEvent) { throw IllegalStateException("app bug in listener") } }
            val rec = Recorder()
            sdk.subscribe(bad).use { sdk.subscribe(rec).use {
                val case = sdk.createCase(selfService("RPT-KT-0006"))
                sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
                sdk.capturePhoto(case.id, "rear_45", byName.getValue("rear_45_no_offset.jpg").bytes, fix())
                rec.waitFor(2) { it is SdkEvent.ItemStored }
                check(sdk.listenerFailures() >= 2uL) { "failures ${sdk.listenerFailures()}" }
                check(sdk.items(case.id).size == 2) { "the SDK keeps working" }
            } }
        }
    }

    test("many threads calling at once") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val rec = Recorder()
            sdk.subscribe(rec).use {
                val good = samples.filter { it.name.startsWith("orientation_") }
                val pool = Executors.newFixedThreadPool(8)
                val errors = Collections.synchronizedList(mutableListOf<Throwable>())
                val caseIds = Collections.synchronizedList(mutableListOf<String>())
                val start = CountDownLatch(1)
                repeat(8) { t ->
                    pool.submit {
                        try {
                            start.await()
                            val case = sdk.createCase(selfService("RPT-KT-MT-$t"))
                            caseIds.add(case.id)
                            for (p in good.shuffled()) sdk.capturePhoto(case.id, p.name, p.bytes, fix())
                            sdk.cases(); sdk.items(case.id)
                        } catch (e: Throwable) { errors.add(e) }
                    }
                }
                start.countDown()
                pool.shutdown()
                check(pool.awaitTermination(120, TimeUnit.SECONDS)) { "threads did not finish" }
                check(errors.isEmpty()) { "errors: $errors" }
                check(sdk.cases().size == 8) { "cases ${sdk.cases().size}" }
                for (id in caseIds) {
                    val seqs = sdk.items(id).map { it.seq }
                    check(seqs == (1..good.size).map { it.toULong() }) { "case $id seqs $seqs" }
                }
                rec.waitFor(8 * good.size) { it is SdkEvent.ItemStored }
            }
        }
    }

    test("calls after close fail with Closed; reopening sees everything stored") {
        val dir = freshDir()
        val sdk = KanchaSdk.open(dir, config)
        val rec = Recorder()
        val sub = sdk.subscribe(rec)
        val case = sdk.createCase(selfService("RPT-KT-0008"))
        sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
        sdk.shutdown()
        check(!sdk.isOpen()) { "closed" }
        rec.waitFor(1) { it is SdkEvent.Closed }
        val e = assertThrows<KanchaException.Closed> { sdk.cases() }
        check(e.message!!.contains("open a new")) { e.message!! }
        assertThrows<KanchaException.Closed> { sdk.capturePhoto(case.id, "x", byName.getValue("front_45.jpg").bytes, null) }
        assertThrows<KanchaException.Closed> { sdk.seal(case.id) }
        assertThrows<KanchaException.Closed> { sdk.subscribe(Recorder()) }
        sdk.shutdown()   // twice is harmless
        sub.cancel()
        sdk.destroy()
        KanchaSdk.open(dir, config).use { again ->
            check(again.items(case.id).single().shot == "front_45") { "reopened store lost the photo" }
        }
    }

    test("a data directory that cannot be created is refused clearly, without its path") {
        val file = File(scratch, "a-file").apply { writeText("not a directory") }
        val dir = File(file, "kancha").path
        val e = assertThrows<KanchaException.DataDirUnusable> { KanchaSdk.open(dir, config) }
        check(!e.message!!.contains(scratch.path)) { "message leaks the path: ${e.message}" }
        check(e.message!!.contains("writable")) { e.message!! }
        assertThrows<KanchaException.InvalidArgument> { KanchaSdk.open("", config) }
        assertThrows<KanchaException.InvalidArgument> { KanchaSdk.open(freshDir(), config.copy(deviceId = "")) }
        assertThrows<KanchaException.InvalidArgument> { KanchaSdk.open(freshDir(), config.copy(captureSettingsJson = "{\"version\": 9}")) }
    }

    test("a second instance on the same directory is refused until the first closes") {
        val dir = freshDir()
        val first = KanchaSdk.open(dir, config)
        val e = assertThrows<KanchaException.AlreadyOpen> { KanchaSdk.open(dir, config) }
        check(e.message!!.contains("close it first")) { e.message!! }
        first.createCase(selfService("RPT-KT-0010"))
        first.shutdown()
        KanchaSdk.open(dir, config).use { second -> check(second.cases().size == 1) { "second instance sees the case" } }
        first.destroy()
    }

    test("a platform signer signs the bundle; a failing one throws Signer and seals nothing") {
        val signer = JvmSigner()
        KanchaSdk.openWithSigner(freshDir(), config, signer).use { sdk ->
            val case = sdk.createCase(selfService("RPT-KT-0011"))
            sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
            sdk.seal(case.id)
            check(signer.signatures.get() == 1) { "the platform key signed once" }
        }
        KanchaSdk.openWithSigner(freshDir(), config, JvmSigner(fail = true)).use { sdk ->
            val case = sdk.createCase(selfService("RPT-KT-0012"))
            sdk.capturePhoto(case.id, "front_45", byName.getValue("front_45.jpg").bytes, fix())
            val e = assertThrows<KanchaException.Signer> { sdk.seal(case.id) }
            check(e.message!!.contains("keystore locked")) { e.message!! }
            check(sdk.bundleForCase(case.id) == null && sdk.case(case.id).status != CaseStatus.SEALED) { "nothing sealed" }
        }
    }

    test("a dispatched case from the server: arrival, photos, checklist, seal, sync with progress, receipt") {
        val person = "kt-surveyor-1"
        val token = server.surveyorToken(person)
        val caseId = "KT-" + System.currentTimeMillis()
        server.dispatch(caseId, person, Instant.now().minusSeconds(20 * 60))
        // The app receives its dispatch list from the server and opens the case on the device.
        val mine = server.call("GET", "/v1/cases", token)
        check(mine.contains("\"$caseId\"")) { "the surveyor's list lacks $caseId: $mine" }
        val dispatchedAt = Instant.parse(field(server.call("GET", "/v1/cases/$caseId", token), "dispatched_at"))
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val rec = Recorder()
            sdk.subscribe(rec).use {
                val case = sdk.createCase(NewCaseInput(id = caseId, reportNo = "RPT-$caseId", policyNo = null, plate = "浙A·D1234",
                    accidentAt = dispatchedAt.minusSeconds(600), scene = scene, dispatchedAt = dispatchedAt))
                val clock = sdk.watchArrival(case.id, "urban")
                check(clock.targetMinutes == 30u && clock.minutesLeft in 9L..10L) { "clock $clock" }
                val away = sdk.feedFix(case.id, DeviceFix(GeoPoint(31.2504, 121.4937, GeoDatum.WGS84), 12.0, Instant.now(), false))
                check(away.accepted && !away.insideGeofence && away.distanceM!! > 2000.0) { "away $away" }
                val mock = sdk.feedFix(case.id, fix(mock = true))
                check(!mock.accepted && mock.refusedBecause == "mock") { "mock $mock" }
                val here = sdk.feedFix(case.id, fix())
                check(here.insideGeofence && here.arrival.state == ArrivalState.ARRIVED_ON_TIME && here.arrival.arrivalProven) { "here $here" }
                val changed = rec.waitFor(1) { it is SdkEvent.ArrivalChanged && it.to == ArrivalState.ARRIVED_ON_TIME }.single() as SdkEvent.ArrivalChanged
                check(changed.caseId == caseId && changed.to == ArrivalState.ARRIVED_ON_TIME) { "event $changed" }

                for ((shot, file) in listOf("front_45" to "front_45.jpg", "rear_45" to "rear_45_no_offset.jpg", "damage_close" to "blurred.jpg")) {
                    sdk.capturePhoto(case.id, shot, byName.getValue(file).bytes, fix())
                }
                val bundle = sdk.seal(case.id)
                val total = sdk.items(case.id).sumOf { it.size.toLong() }
                assertThrows<KanchaException.InvalidArgument> { sdk.startSync(SyncConfig("ftp://nowhere", token, null, false)) }
                sdk.startSync(SyncConfig(server.base, token, 64uL * 1024uL, false))
                check(sdk.isSyncing()) { "sync runs" }
                val delivered = rec.waitFor(1) { it is SdkEvent.Delivered }.single() as SdkEvent.Delivered
                check(delivered.bundleId == bundle.bundleId && field(delivered.receiptJson, "case_id") == caseId) { "receipt ${delivered.receiptJson}" }
                val progress = synchronized(rec.events) { rec.events.filterIsInstance<SdkEvent.UploadProgress>() }
                check(progress.size >= 3) { "progress events: $progress" }
                check(progress.zipWithNext().all { (a, b) -> b.done >= a.done }) { "progress goes forward: $progress" }
                check(progress.last().done == progress.last().total && progress.last().total >= total.toULong()) { "ends complete: ${progress.last()} of $total" }
                val local = sdk.bundleForCase(case.id)!!
                check(local.state == DeliveryState.DELIVERED && local.receiptJson!!.contains(bundle.bundleId)) { "local $local" }
                sdk.stopSync()
                check(!sdk.isSyncing()) { "sync stopped" }
                // The server holds the same bundle, verified, once.
                val onServer = server.call("GET", "/v1/cases/$caseId", token)
                check(Regex(Regex.escape(bundle.bundleId)).findAll(onServer).count() == 1) { "server case: $onServer" }
                check(field(onServer, "receipt_id") == field(delivered.receiptJson, "receipt_id")) { "same receipt" }
            }
        }
    }

    test("the arrival clock turns late on its own at the deadline and survives a restart") {
        val dir = freshDir()
        var deadline: Instant? = null
        KanchaSdk.open(dir, config).use { sdk ->
            val rec = Recorder()
            sdk.subscribe(rec).use {
                val dispatched = Instant.now().minusSeconds(30 * 60).plusMillis(1500)
                val case = sdk.createCase(NewCaseInput(id = "KT-LATE", reportNo = "RPT-KT-LATE", policyNo = null, plate = null,
                    accidentAt = null, scene = scene, dispatchedAt = dispatched))
                val clock = sdk.watchArrival(case.id, "urban")
                check(clock.state == ArrivalState.AT_RISK) { "1.5 s before the deadline: $clock" }
                deadline = clock.deadline
                val late = rec.waitFor(1) { it is SdkEvent.ArrivalChanged && it.to == ArrivalState.LATE }.single() as SdkEvent.ArrivalChanged
                check(late.at == clock.deadline && late.from == ArrivalState.AT_RISK) { "late event $late, deadline $deadline" }
            }
            val self = sdk.createCase(selfService("RPT-KT-NO-DISPATCH"))
            val e = assertThrows<KanchaException.Arrival> { sdk.watchArrival(self.id, null) }
            check(e.message!!.contains("dispatch")) { e.message!! }
            assertThrows<KanchaException.Arrival> { sdk.arrivalStatus(self.id) }
        }
        KanchaSdk.open(dir, config).use { sdk ->
            val after = sdk.arrivalStatus("KT-LATE")
            check(after.state == ArrivalState.LATE && after.deadline == deadline && after.minutesLate!! >= 1L) { "restored $after" }
        }
    }

    test("a document photo becomes a scan filed beside its untouched original") {
        KanchaSdk.open(freshDir(), config).use { sdk ->
            val case = sdk.createCase(selfService("RPT-KT-SCAN"))
            val doc = sampleDocumentPhoto()
            val photo = sdk.capturePhoto(case.id, "driver_licence", doc.bytes, fix()).item
            val scan = sdk.captureScan(photo.id, ScanInput(docType = "driver_licence", corners = null, exactCorners = false))
            check(scan.created && scan.item.kind == "scan" && scan.item.derivedFrom == photo.id) { "scan item ${scan.item}" }
            check(scan.docType == "driver_licence" && scan.cornerSource == "detected" && scan.readable) { "scan $scan" }
            val worst = scan.corners.zip(doc.corners).maxOf { (a, b) -> Math.abs(a - b) }
            check(worst < 6.0) { "corners ${scan.corners} vs truth ${doc.corners}" }
            check(scan.item.sha256 != photo.sha256 && sdk.items(case.id).size == 2) { "a second item with its own hash" }
            val given = sdk.captureScan(photo.id, ScanInput(docType = "driver_licence", corners = doc.corners, exactCorners = true))
            check(given.cornerSource == "given") { "given corners: $given" }
            assertThrows<KanchaException.InvalidArgument> { sdk.captureScan(photo.id, ScanInput("no_such_document", null, false)) }
            assertThrows<KanchaException.InvalidArgument> { sdk.captureScan(photo.id, ScanInput(null, listOf(1.0, 2.0, 3.0), false)) }
            assertThrows<KanchaException.InvalidArgument> { sdk.captureScan(scan.item.id, ScanInput(null, null, false)) }
            val wrongItem = assertThrows<KanchaException.InvalidArgument> {
                sdk.captureScan(photo.id, ScanInput(docType = "driver_licence", corners = null, exactCorners = false, shot = "bank_details"))
            }
            check(wrongItem.message!!.contains("bank_details")) { wrongItem.message!! }
            // A photo of a bare grey surface: no page to find, so no guess either.
            val grey = java.awt.image.BufferedImage(800, 600, java.awt.image.BufferedImage.TYPE_INT_RGB)
            grey.createGraphics().apply { color = java.awt.Color(120, 118, 115); fillRect(0, 0, 800, 600); dispose() }
            val jpeg = java.io.ByteArrayOutputStream().also { javax.imageio.ImageIO.write(grey, "jpg", it) }.toByteArray()
            val bare = sdk.capturePhoto(case.id, "scene", jpeg, fix()).item
            val none = assertThrows<KanchaException.ScanFailed> { sdk.captureScan(bare.id, ScanInput("driver_licence", null, false)) }
            check(none.message!!.contains("no document page")) { none.message!! }
            check(sdk.items(case.id).size == 4) { "refused scans store nothing: ${sdk.items(case.id).map { it.kind }}" }
        }
    }

    val failed = results.count { it.second != null }
    println("${results.size - failed} passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}

/** The sample set, made once by the SDK's own generator. */
private fun sampleSamples(): List<SamplePhoto> = samplePhotos()
