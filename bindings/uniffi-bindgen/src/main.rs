//! `uniffi-bindgen`: generates the Kotlin and Swift sources from the unstripped kancha-ffi library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
