// The Kancha Android demo. The native library and the generated Kotlin come from the Rust
// workspace through the `kanchaNative` task below (cargo-ndk), never from committed files.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

val workspace = rootDir.parentFile
val nativeOut = layout.buildDirectory.dir("kancha/jniLibs")
val bindingsOut = layout.buildDirectory.dir("kancha/kotlin")

android {
    namespace = "cn.kancha.demo"
    compileSdk = 35
    ndkVersion = "27.2.12479018"
    defaultConfig {
        applicationId = "cn.kancha.demo"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    buildFeatures { compose = true }
    sourceSets["main"].jniLibs.srcDir(nativeOut)
    sourceSets["main"].java.srcDir(bindingsOut)
    packaging { jniLibs.useLegacyPackaging = false }
    compileOptions { sourceCompatibility = JavaVersion.VERSION_17; targetCompatibility = JavaVersion.VERSION_17 }
    kotlinOptions { jvmTarget = "17" }
}

// Builds libkancha_ffi.so for each ABI with cargo-ndk (16 KB page alignment for Android 15+
// devices), then generates the Kotlin bindings from the host library (unstripped).
val kanchaNative by tasks.registering(Exec::class) {
    workingDir = workspace
    environment("RUSTFLAGS", "-C link-arg=-Wl,-z,max-page-size=16384")
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", nativeOut.get().asFile.path,
        "build", "-p", "kancha-ffi", "--profile", "sdk",
    )
    doLast {
        exec { workingDir = workspace; commandLine("cargo", "run", "-p", "xtask", "--", "bindings") }
        copy { from(File(workspace, "build/bindings/kotlin")); into(bindingsOut) }
    }
}
tasks.named("preBuild") { dependsOn(kanchaNative) }

dependencies {
    // JNA >= 5.17 ships 16 KB-aligned native libraries; the aar carries the Android .so files.
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    val camerax = "1.4.1"
    implementation("androidx.camera:camera-camera2:$camerax")
    implementation("androidx.camera:camera-lifecycle:$camerax")
    implementation("androidx.camera:camera-view:$camerax")
    implementation("androidx.activity:activity-compose:1.9.3")
    implementation(platform("androidx.compose:compose-bom:2024.12.01"))
    implementation("androidx.compose.material3:material3")
    implementation("androidx.compose.ui:ui")
    implementation("com.google.android.gms:play-services-location:21.3.0")
}
