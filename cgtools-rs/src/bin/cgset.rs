use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgset", std::env::args_os())
}
