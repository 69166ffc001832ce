use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgdelete", std::env::args_os())
}
