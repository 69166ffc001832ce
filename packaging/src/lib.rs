//! Man pages and shell completions for the nstools, generated from each tool's clap command.
//!
//! The files mirror the tree the `nstools` Debian package installs under `/usr/lib/nstools`, where
//! the originals' files cannot collide with ours (see the README's "Debian packages" section):
//!
//! ```text
//! man/man1/unshare.1 ... man/man8/memhog.8           found by man-db for PATH=/usr/lib/nstools/bin:...
//! share/bash-completion/completions/unshare           bash-completion, via XDG_DATA_DIRS
//! share/zsh/vendor-completions/_unshare               zsh, via fpath
//! share/fish/vendor_completions.d/unshare.fish        fish, via XDG_DATA_DIRS
//! ```
//!
//! Man pages are written uncompressed; `packaging/build-debs.sh` compresses them for the package.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap_complete::Shell;

/// One tool of the package: its name, the manual section of the original's page, and a one-line
/// description (the original's NAME line) used when the tool's command has no `about` of its own.
#[derive(Debug, Clone, Copy)]
pub struct ToolPage {
    pub name: &'static str,
    pub section: &'static str,
    pub summary: &'static str,
}

/// Every binary of the package, in the originals' manual sections.
pub const TOOLS: [ToolPage; 12] = [
    tool("unshare", "1", "run program in new namespaces"),
    tool("nsenter", "1", "run program in different namespaces"),
    tool("cgcreate", "1", "create new cgroup(s)"),
    tool("cgexec", "1", "run the task in given control groups"),
    tool("cgdelete", "1", "remove control group(s)"),
    tool("cgset", "1", "set the parameters of given cgroup(s)"),
    tool("cgget", "1", "print parameter(s) of given group(s)"),
    tool("cgclassify", "1", "move running task(s) to given cgroups"),
    tool("lscgroup", "1", "list all cgroups"),
    tool(
        "lssubsys",
        "1",
        "list hierarchies containing given subsystem",
    ),
    tool("memhog", "8", "allocates memory with policy for testing"),
    tool("ps", "1", "report a snapshot of the current processes"),
];

const fn tool(name: &'static str, section: &'static str, summary: &'static str) -> ToolPage {
    ToolPage {
        name,
        section,
        summary,
    }
}

/// The shells we write completions for, with the file each one loads for command `name`.
pub const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Where the completion of `shell` for command `name` lives, relative to the tree root.
pub fn completion_path(shell: Shell, name: &str) -> PathBuf {
    match shell {
        Shell::Bash => PathBuf::from(format!("share/bash-completion/completions/{name}")),
        Shell::Zsh => PathBuf::from(format!("share/zsh/vendor-completions/_{name}")),
        Shell::Fish => PathBuf::from(format!("share/fish/vendor_completions.d/{name}.fish")),
        other => panic!("no completion location for {other}"),
    }
}

/// Where the man page of `tool` lives, relative to the tree root (uncompressed).
pub fn man_path(tool: &ToolPage) -> PathBuf {
    PathBuf::from(format!(
        "man/man{sec}/{name}.{sec}",
        sec = tool.section,
        name = tool.name
    ))
}

/// The clap command of `name`, taken from the tool's own crate.
pub fn command(name: &str) -> clap::Command {
    let cmd = match name {
        "unshare" => unshare_rs::command(),
        "nsenter" => nsenter_rs::command(),
        "memhog" => memhog_rs::command(),
        "ps" => pslite::command(),
        cg => cgtools::command(cg).unwrap_or_else(|| panic!("{cg} is not one of the tools")),
    };
    let summary = TOOLS.iter().find(|t| t.name == name).map(|t| t.summary);
    match summary {
        Some(s) if cmd.get_about().is_none() => cmd.about(s),
        _ => cmd,
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC), for the man pages' `.TH` date.
pub fn iso_date(unix_seconds: u64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = (unix_seconds / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The date printed in the man pages: `SOURCE_DATE_EPOCH` (reproducible builds; build-debs.sh sets
/// it from debian/changelog), else today.
pub fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    iso_date(secs)
}

/// The man page of `tool` as roff source.
pub fn man_page(tool: &ToolPage) -> io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(command(tool.name))
        .title(tool.name.to_uppercase())
        .section(tool.section)
        .date(build_date())
        .source(format!("nstools {}", env!("CARGO_PKG_VERSION")))
        .manual("nstools");
    let mut out = Vec::new();
    man.render(&mut out)?;
    Ok(out)
}

/// The completion script of `shell` for `name`.
pub fn completion(shell: Shell, name: &str) -> Vec<u8> {
    let mut cmd = command(name);
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut out);
    out
}

/// Write every man page and completion under `root`; returns the files written (relative).
pub fn generate_tree(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut write = |rel: PathBuf, bytes: &[u8]| -> io::Result<()> {
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        written.push(rel);
        Ok(())
    };
    for tool in &TOOLS {
        write(man_path(tool), &man_page(tool)?)?;
        for shell in SHELLS {
            write(
                completion_path(shell, tool.name),
                &completion(shell, tool.name),
            )?;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_are_in_the_originals_sections_with_a_name_line() {
        for tool in &TOOLS {
            let page = String::from_utf8(man_page(tool).unwrap()).unwrap();
            let th = format!("\n.TH {} {} ", tool.name.to_uppercase(), tool.section);
            assert!(page.contains(&th), "{}: {page}", tool.name);
            assert!(
                page.contains(&format!("{} \\- ", tool.name)),
                "{}: NAME section lacks a description:\n{page}",
                tool.name
            );
            assert!(page.contains("version"), "{}: --version missing", tool.name);
        }
        assert_eq!(man_path(&TOOLS[10]), PathBuf::from("man/man8/memhog.8"));
    }

    #[test]
    fn dates_are_civil_utc_days() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
        assert_eq!(iso_date(1_798_761_599), "2026-12-31");
        assert_eq!(iso_date(1_798_761_600), "2027-01-01");
    }

    #[test]
    fn completions_register_the_original_command_names() {
        for tool in &TOOLS {
            let bash = String::from_utf8(completion(Shell::Bash, tool.name)).unwrap();
            assert!(
                bash.contains(&format!(" {}\n", tool.name)) && bash.contains("complete -F"),
                "bash completion for {} does not register it:\n{bash}",
                tool.name
            );
            let zsh = String::from_utf8(completion(Shell::Zsh, tool.name)).unwrap();
            assert!(zsh.starts_with(&format!("#compdef {}\n", tool.name)));
            let fish = String::from_utf8(completion(Shell::Fish, tool.name)).unwrap();
            assert!(fish.contains(&format!("complete -c {} ", tool.name)));
            assert!(fish.contains("version"), "fish: {fish}");
        }
    }

    #[test]
    fn the_tree_holds_one_page_and_three_completions_per_tool() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate_tree(dir.path()).unwrap();
        assert_eq!(files.len(), TOOLS.len() * 4);
        for rel in &files {
            let meta = fs::metadata(dir.path().join(rel)).unwrap();
            assert!(meta.len() > 0, "{} is empty", rel.display());
        }
        assert!(dir.path().join("man/man1/ps.1").is_file());
        assert!(dir
            .path()
            .join("share/zsh/vendor-completions/_cgexec")
            .is_file());
    }
}
