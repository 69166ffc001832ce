//! The C library's words for an errno, shared by the error and stdio modules (neither needs the
//! other for it).

use std::io;

/// `strerror(errno)` exactly as glibc words it, without Rust's ` (os error N)` suffix.
pub fn strerror(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}
