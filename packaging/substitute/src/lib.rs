//! The `nstools-substitute` Debian package has no code: its maintainer scripts (`debian/postinst`,
//! `debian/postrm`) divert the originals listed in `debian/originals` and link the nstools in
//! their place. This crate carries the package's metadata for cargo-deb and checks that the list
//! names exactly the tools and man sections the `nstools` package installs.

#[cfg(test)]
mod tests {
    #[test]
    fn originals_list_matches_the_nstools_package() {
        let list = include_str!("../debian/originals");
        let listed: Vec<(String, String)> = list
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut words = l.split_whitespace();
                let tool = words.next().unwrap().to_string();
                let section = words.next().expect("TOOL SECTION").to_string();
                assert_eq!(words.next(), None, "extra words in {l:?}");
                (tool, section)
            })
            .collect();
        let packaged: Vec<(String, String)> = nstools_packaging::TOOLS
            .iter()
            .map(|t| (t.name.to_string(), t.section.to_string()))
            .collect();
        assert_eq!(listed, packaged);
    }

    #[test]
    fn maintainer_scripts_are_executable_posix_shell() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("debian");
        for script in ["postinst", "postrm"] {
            let path = dir.join(script);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.starts_with("#!/bin/sh\n"), "{script}");
            assert!(text.contains("\nset -e\n"), "{script} must stop on errors");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{script} is not executable");
            let check = std::process::Command::new("sh")
                .arg("-n")
                .arg(&path)
                .status()
                .unwrap();
            assert!(check.success(), "sh -n {script}");
        }
    }
}
