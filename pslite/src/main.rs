use std::process::ExitCode;

fn main() -> ExitCode {
    pslite::main(std::env::args_os())
}
