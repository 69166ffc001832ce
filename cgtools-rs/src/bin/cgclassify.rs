use std::process::ExitCode;

fn main() -> ExitCode {
    cgtools::main("cgclassify", std::env::args_os())
}
