//! `cgset`: the entry is common's, the tool is the library (see `common::start` for why no Rust `main`).
#![no_main]

common::tool_main!(|args| cgtools::main("cgset", args));
