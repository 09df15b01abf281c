//! The `lianluo` binary: everything is in the library; see `api::cli`.

fn main() -> std::process::ExitCode {
    api::cli::run()
}
