use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgcreate", std::env::args_os())
}
