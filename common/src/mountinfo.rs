//! Helpers for reading `/proc/PID/mountinfo`, which cgtools (the cgroup layout) and nsenter
//! (the target's cgroup mounts) both parse.

/// Undo mountinfo's octal escapes (`\040` for a space, `\011` tab, `\012` newline, `\134` `\`).
/// A backslash not followed by three octal digits is kept as it is.
pub fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let oct = &bytes[i + 1..i + 4];
            if oct.iter().all(|b| (b'0'..=b'7').contains(b)) {
                let text = std::str::from_utf8(oct).unwrap_or("");
                if let Ok(v) = u8::from_str_radix(text, 8) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn octal_escapes_are_undone_and_others_kept() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/t\\011x\\134y"), "/t\tx\\y");
        assert_eq!(unescape("/a\\\\"), "/a\\\\");
        assert_eq!(unescape("/x\\0"), "/x\\0");
        assert_eq!(unescape("/x\\999"), "/x\\999");
    }
}
