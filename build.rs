//! Release builds of the `choreo` binary on Linux are linked lean:
//!
//! - `-Wl,--discard-all` drops the local symbols of the object files linked in;
//! - `-no-pie` links a position-dependent executable: the 9 MB of run-time relocations
//!   of a position-independent one (Bevy's vtables and tables) are resolved at link time,
//!   so starting the process maps the binary instead of rewriting pages of it. Measured
//!   with the viewer linked in: `choreo run` on bench/simfaas-reference.ron peaks at
//!   19.6 MB resident instead of 37 MB, and the binary is 95 MB instead of 124 MB. The
//!   price is no address-space randomisation of the executable's own image, a hardening
//!   that matters for network services, not for a simulator run on one's own scenarios.
//!
//! Backtraces and profiles still name choreo's own functions and lines (the release
//! profile keeps line tables for our crates only).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if release && linux {
        println!("cargo:rustc-link-arg-bins=-Wl,--discard-all");
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
