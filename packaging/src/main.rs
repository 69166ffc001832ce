//! `nstools-gen OUT_DIR`: write the man pages and shell completions of every tool under OUT_DIR,
//! laid out as under `/usr/lib/nstools` (see the library's documentation).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(out), None) = (args.next(), args.next()) else {
        eprintln!("usage: nstools-gen OUT_DIR");
        return ExitCode::from(2);
    };
    let out = PathBuf::from(out);
    match nstools_packaging::generate_tree(&out) {
        Ok(files) => {
            println!("wrote {} files under {}", files.len(), out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nstools-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
