//! The `slogen` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    slogen::main()
}
