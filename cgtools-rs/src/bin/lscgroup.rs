use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("lscgroup", std::env::args_os())
}
