use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("lssubsys", std::env::args_os())
}
