use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgexec", std::env::args_os())
}
