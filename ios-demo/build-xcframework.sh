#!/bin/sh
# Builds Kancha.xcframework and the Swift bindings for the iOS demo. Run on a Mac with Xcode and
# the Rust targets aarch64-apple-ios, aarch64-apple-ios-sim and x86_64-apple-ios installed.
# Output: ios-demo/build/Kancha.xcframework and ios-demo/build/Kancha.swift (never committed).
set -eu
cd "$(dirname "$0")/.."
out=ios-demo/build
rm -rf "$out" && mkdir -p "$out/headers"
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build -p kancha-ffi --profile sdk --target "$t"
done
# Bindings come from an unstripped host build (the generator reads metadata symbols).
cargo run -p xtask -- bindings
cp build/bindings/swift/Kancha.swift "$out/"
cp build/bindings/swift/KanchaFFI.h "$out/headers/"
# Xcode looks for module.modulemap inside the framework's headers.
cp build/bindings/swift/KanchaFFI.modulemap "$out/headers/module.modulemap"
mkdir -p "$out/sim"
lipo -create target/aarch64-apple-ios-sim/sdk/libkancha_ffi.a target/x86_64-apple-ios/sdk/libkancha_ffi.a -output "$out/sim/libkancha_ffi.a"
xcodebuild -create-xcframework \
    -library target/aarch64-apple-ios/sdk/libkancha_ffi.a -headers "$out/headers" \
    -library "$out/sim/libkancha_ffi.a" -headers "$out/headers" \
    -output "$out/Kancha.xcframework"
echo "built $out/Kancha.xcframework; add it and $out/Kancha.swift to the KanchaDemo target"
