//! The `lianluo` binary built inside the tests package, so that fault tests can run the real
//! service as a child process (`env!("CARGO_BIN_EXE_lianluo-under-test")`): cargo only hands an
//! integration test the path of its own package's binaries.

fn main() -> std::process::ExitCode {
    api::cli::run()
}
