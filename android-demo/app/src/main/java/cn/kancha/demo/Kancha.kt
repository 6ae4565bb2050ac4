package cn.kancha.demo

import android.content.Context
import cn.kancha.sdk.KanchaSdk
import cn.kancha.sdk.SdkConfig
import java.util.UUID

/** The one SDK instance of the app, opened on the app's private files directory. */
object Kancha {
    @Volatile private var sdk: KanchaSdk? = null

    fun get(context: Context): KanchaSdk = sdk ?: synchronized(this) {
        sdk ?: KanchaSdk.open(
            context.filesDir.resolve("kancha").path,
            SdkConfig(
                deviceId = installId(context),
                deviceModel = android.os.Build.MODEL,
                os = "Android ${android.os.Build.VERSION.RELEASE}",
                app = "kancha-android-demo 0.1.0",
                captureSettingsJson = null,
            ),
        ).also { sdk = it }
    }

    /** The companion server; 10.0.2.2 is the host's loopback seen from the Android emulator. */
    const val SERVER_URL = "http://10.0.2.2:8080"

    /** The surveyor's bearer token, pasted once into the app's settings (`kancha token create`). */
    fun token(context: Context): String =
        context.getSharedPreferences("kancha", Context.MODE_PRIVATE).getString("token", null) ?: ""

    /** A random id per installation: stable, and nothing personal. */
    private fun installId(context: Context): String {
        val prefs = context.getSharedPreferences("kancha", Context.MODE_PRIVATE)
        return prefs.getString("install_id", null) ?: UUID.randomUUID().toString().also { prefs.edit().putString("install_id", it).apply() }
    }
}
