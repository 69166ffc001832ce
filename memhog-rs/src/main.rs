use std::process::ExitCode;

fn main() -> ExitCode {
    memhog_rs::main(std::env::args_os())
}
