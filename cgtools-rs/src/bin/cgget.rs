use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgget", std::env::args_os())
}
