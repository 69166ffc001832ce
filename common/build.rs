//! Release binaries take the unwinder from libgcc_eh.a instead of loading libgcc_s.so.1.
//!
//! std asks for libgcc_s on glibc targets, but with `panic = "abort"` nothing unwinds: the
//! library is only there for std's backtrace printing. Loading it costs every tool start an
//! open, four mmaps and its relocations, and about 100 KiB of resident memory (measured on
//! `unshare`: 2016 KiB RSS, 100 KiB of it libgcc_s). Linked statically first, the few `_Unwind_*`
//! functions std uses are resolved from the archive, and the linker's `--as-needed` drops the
//! shared library. Only for release builds: the test builds unwind (`panic = "unwind"`) and keep
//! the system's shared unwinder.
// Cargo reads a build script's instructions from its stdout; a build script is no shipped tool.
#![allow(clippy::disallowed_macros)]

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let linux_gnu = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux")
        && std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "gnu");
    if release && linux_gnu {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
}
