//! Links a release binary's code in the order a build runs it.
//!
//! `bench/link-order.txt` lists the functions `slogen build` and `slogen
//! --version` run (written by `bench/link-order.sh`). Laid out first, they
//! are a few contiguous megabytes of the binary instead of being spread
//! over all of it: the kernel maps an executable's code a page-cache folio
//! at a time (64 KiB to hundreds of KiB), so scattered code made 7.5 of
//! the 10 MiB of code resident in a build of 1,000 SLOs; in order, 2.2
//! (BENCHMARKS.md, "The binary's code"). The order changes no code: a
//! function missing from the list (new, renamed) is only placed after the
//! listed ones.
//!
//! Only where the linker is known to take the list: release builds for
//! x86_64 Linux with Rust 1.90 or later, which link with its bundled LLD,
//! and no linker of the user's own. `SLOGEN_LINK_ORDER=0` turns it off.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=bench/link-order.txt");
    println!("cargo::rerun-if-env-changed=SLOGEN_LINK_ORDER");
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let list = Path::new(&manifest).join("bench/link-order.txt");
    if applies() && list.is_file() {
        println!(
            "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            list.display()
        );
        println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// True when the build links with Rust's bundled LLD, which reads the list.
fn applies() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("SLOGEN_LINK_ORDER") == "0"
        || var("PROFILE") != "release"
        || var("TARGET") != "x86_64-unknown-linux-gnu"
        || env::var_os("RUSTC_LINKER").is_some()
    {
        return false;
    }
    // A linker chosen through flags (`-C linker=...`, `-fuse-ld=...`,
    // `-C linker-features=-lld`) may not know `--symbol-ordering-file`.
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "fuse-ld"]
        .iter()
        .any(|flag| flags.contains(flag))
    {
        return false;
    }
    // Rust links x86_64 Linux binaries with its bundled LLD since 1.90.
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc).arg("--version").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&output.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|release| release.split('.').nth(1))
        .and_then(|minor| minor.parse::<u32>().ok());
    minor.is_some_and(|minor| minor >= 90)
}
