use std::process::ExitCode;

fn main() -> ExitCode {
    nsenter_rs::main(std::env::args_os())
}
