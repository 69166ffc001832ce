use std::process::ExitCode;

fn main() -> ExitCode {
    unshare_rs::main(std::env::args_os())
}
