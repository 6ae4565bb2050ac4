package cn.kancha.demo

import android.annotation.SuppressLint
import androidx.camera.core.ImageCapture
import androidx.camera.core.ImageCaptureException
import androidx.camera.core.ImageProxy
import androidx.camera.view.LifecycleCameraController
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.*
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.*
import androidx.compose.runtime.*
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalLifecycleOwner
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import cn.kancha.sdk.*
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import java.time.Instant
import java.util.concurrent.Executors

private val worker = Executors.newSingleThreadExecutor()

/** Camera preview, the live checklist, and the shot the next photo is taken for. */
@SuppressLint("MissingPermission")
@Composable
fun CaptureScreen(sdk: KanchaSdk, case: CaseInfo, onBack: () -> Unit) {
    val context = LocalContext.current
    val owner = LocalLifecycleOwner.current
    val controller = remember { LifecycleCameraController(context).apply { setEnabledUseCases(LifecycleCameraController.IMAGE_CAPTURE) } }
    val input = remember { ReviewInput(ChecklistKind.SELF_SERVICE_SINGLE_VEHICLE, listOf(VehicleInput(true, listOf("front_bumper"))), emptyMap(), emptyList()) }
    var review by remember { mutableStateOf(sdk.review(case.id, input)) }
    var status by remember { mutableStateOf("") }
    var shot by remember { mutableStateOf(review.checklist.requirements.firstOrNull { it.status != RequirementStatus.DONE }?.shot ?: "extra") }
    val location = remember { LocationServices.getFusedLocationProviderClient(context) }
    // A dispatched case has an arrival clock; a self-service claim has none.
    var arrival by remember { mutableStateOf(if (case.dispatchedAt != null) runCatching { sdk.watchArrival(case.id, null) }.getOrNull() else null) }
    var upload by remember { mutableStateOf("") }

    // SDK events arrive on an SDK thread: hop to the main thread before touching state.
    DisposableEffect(sdk) {
        val main = ContextCompat.getMainExecutor(context)
        val sub = sdk.subscribe(object : EventListener {
            override fun onEvent(event: SdkEvent) = main.execute {
                when (event) {
                    is SdkEvent.ItemStored -> status = if (event.accepted) "✓ ${event.shot}" else "✗ ${event.shot}"
                    is SdkEvent.ArrivalChanged -> if (event.caseId == case.id) arrival = runCatching { sdk.arrivalStatus(case.id) }.getOrNull()
                    is SdkEvent.UploadProgress -> upload = "uploading ${event.done * 100uL / maxOf(event.total, 1uL)} %"
                    is SdkEvent.UploadRetrying -> upload = "waiting for the network (${event.retryInMs / 1000uL} s)"
                    is SdkEvent.Delivered -> upload = "delivered: the server verified every byte"
                    is SdkEvent.DeliveryRejected -> upload = "refused by the server: ${event.reason}"
                    else -> {}
                }
            }
        })
        onDispose { sub.close() }
    }

    fun capture() {
        controller.takePicture(worker, object : ImageCapture.OnImageCapturedCallback() {
            override fun onCaptureSuccess(image: ImageProxy) {
                val buf = image.planes[0].buffer
                val jpeg = ByteArray(buf.remaining()).also { buf.get(it) }
                image.close()
                location.getCurrentLocation(Priority.PRIORITY_HIGH_ACCURACY, null).addOnSuccessListener(worker) { loc ->
                    val fix = loc?.let {
                        DeviceFix(GeoPoint(it.latitude, it.longitude, GeoDatum.WGS84), it.accuracy.toDouble(),
                            Instant.ofEpochMilli(it.time), if (android.os.Build.VERSION.SDK_INT >= 31) it.isMock else it.isFromMockProvider)
                    }
                    // The same fix feeds the arrival clock (a real app also feeds it from a location callback while driving).
                    val clock = if (fix != null && arrival != null) runCatching { sdk.feedFix(case.id, fix).arrival }.getOrNull() else null
                    val text = try {
                        val item = sdk.capturePhoto(case.id, shot, jpeg, fix).item
                        if (item.accepted) "stored #${item.seq}" else item.reasons.joinToString("\n") { it.messageZh + "\n" + it.messageEn }
                    } catch (e: KanchaException) { e.message ?: "error" }
                    val next = sdk.review(case.id, input)
                    ContextCompat.getMainExecutor(context).execute {
                        status = text; review = next
                        if (clock != null) arrival = clock
                        shot = next.checklist.requirements.firstOrNull { it.status != RequirementStatus.DONE }?.shot ?: "extra"
                    }
                }
            }
            override fun onError(e: ImageCaptureException) { status = e.message ?: "camera error" }
        })
    }

    Column(Modifier.fillMaxSize()) {
        AndroidView(factory = { PreviewView(it).apply { this.controller = controller; controller.bindToLifecycle(owner) } },
            modifier = Modifier.fillMaxWidth().weight(1f))
        Row(Modifier.padding(8.dp)) {
            Button(onClick = onBack) { Text("Back") }
            Spacer(Modifier.width(8.dp))
            Button(onClick = ::capture, enabled = case.status != CaseStatus.SEALED) { Text("Capture $shot") }
            Spacer(Modifier.width(8.dp))
            Button(onClick = {
                status = try {
                    val bundle = sdk.seal(case.id)
                    // Delivery runs on an SDK thread and survives the app being killed; progress arrives as events.
                    sdk.startSync(SyncConfig(Kancha.SERVER_URL, Kancha.token(context), null, false))
                    "sealed " + bundle.bundleId
                } catch (e: KanchaException) { e.message ?: "" }
            }) { Text("Seal & upload") }
        }
        Text(status, Modifier.padding(8.dp))
        arrival?.let { a ->
            val detail = a.minutesLeft?.let { "$it min left" } ?: a.minutesLate?.let { "$it min late" } ?: ""
            Text("Arrival: ${a.state} $detail (target ${a.targetMinutes} min)", Modifier.padding(horizontal = 8.dp))
        }
        if (upload.isNotEmpty()) Text(upload, Modifier.padding(horizontal = 8.dp))
        LazyColumn(Modifier.weight(1f)) {
            items(review.checklist.requirements) { r ->
                ListItem(headlineContent = { Text(r.textZh) }, supportingContent = { Text(r.textEn) },
                    trailingContent = { Text("${r.passed}/${r.required}") })
            }
        }
    }
}
