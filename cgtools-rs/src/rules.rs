//! `/etc/cgrules.conf` (and `/etc/cgrules.d/*.conf`): where cgexec and cgclassify put a process
//! when no `-g` is given, as libcgroup's rules engine does.
//!
//! ```text
//! # user[:process]   controllers   destination
//! alice              memory        users/alice
//! @staff:firefox     cpu,memory    browsers/%u
//! %                  pids          browsers/%u
//! *                  *             default
//! ```
//! A rule is one line plus the `%` lines that follow it; the first rule whose user (`name`,
//! `@group`, `*`) and optional process name (base name, or a full path when the rule has a `/`)
//! match wins. Destinations expand `%u %U %g %G %p %P`.
//!
//! The system's user and group databases are read with the other host facts: [`load`] looks up
//! each `@group`, [`Subject::looked_up`] the subject's names, so matching and expanding are pure.

use std::path::{Path, PathBuf};

/// One line of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub controllers: Vec<String>,
    pub destination: String,
}

/// A rule: who it matches and where it sends them (one or more lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub user: String,
    /// For an `@group` rule, the group as the system knows it ([`load`] looks it up; `None`: no
    /// such group, and the rule matches nobody).
    pub group: Option<Members>,
    pub process: Option<String>,
    pub lines: Vec<Line>,
}

/// A group's id and the user names listed as its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    pub gid: u32,
    pub users: Vec<String>,
}

/// Parse the rules text; malformed lines are skipped (libcgroup warns and goes on).
pub fn parse(text: &str) -> Vec<Rule> {
    let mut rules: Vec<Rule> = Vec::new();
    for raw in text.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 3 {
            continue;
        }
        let entry = Line {
            controllers: fields[1]
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect(),
            destination: fields[2].to_string(),
        };
        let (user, process) = match fields[0].split_once(':') {
            Some((u, p)) => (u, Some(p.to_string())),
            None => (fields[0], None),
        };
        if user == "%" {
            if let Some(last) = rules.last_mut() {
                last.lines.push(entry);
            }
            continue;
        }
        rules.push(Rule {
            user: user.to_string(),
            group: None,
            process,
            lines: vec![entry],
        });
    }
    rules
}

/// The rules files: `ROOT/etc/cgrules.conf` then `ROOT/etc/cgrules.d/*.conf` (sorted). `None`
/// when there is no rules file at all.
pub fn load(root: &Path) -> Option<Vec<Rule>> {
    let main = root.join("etc/cgrules.conf");
    let mut text = std::fs::read_to_string(&main).ok();
    let mut extra: Vec<PathBuf> = std::fs::read_dir(root.join("etc/cgrules.d"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "conf"))
                .collect()
        })
        .unwrap_or_default();
    extra.sort();
    for p in extra {
        if let Ok(t) = std::fs::read_to_string(p) {
            let s = text.get_or_insert_with(String::new);
            s.push('\n');
            s.push_str(&t);
        }
    }
    let mut rules = parse(&text?);
    for rule in &mut rules {
        if let Some(name) = rule.user.strip_prefix('@') {
            rule.group = nix::unistd::Group::from_name(name)
                .ok()
                .flatten()
                .map(|g| Members {
                    gid: g.gid.as_raw(),
                    users: g.mem,
                });
        }
    }
    Some(rules)
}

/// Who is being placed, with the names of its ids as the system knows them (read with the other
/// host facts, so that matching and expanding are pure).
#[derive(Debug, Clone)]
pub struct Subject {
    pub uid: u32,
    pub gid: u32,
    /// The name of `uid` (`None`: no such user).
    pub user: Option<String>,
    /// The name of `gid` (`None`: no such group).
    pub group: Option<String>,
    /// Process name: the program as run (cgexec) or its executable (cgclassify).
    pub process: String,
    pub pid: i32,
}

impl Subject {
    /// A subject whose names are not known (not looked up, or no process to read).
    pub fn unnamed(uid: u32, gid: u32, process: String, pid: i32) -> Subject {
        Subject {
            uid,
            gid,
            user: None,
            group: None,
            process,
            pid,
        }
    }

    /// The subject of process `pid`, its user and group names looked up.
    pub fn looked_up(uid: u32, gid: u32, process: String, pid: i32) -> Subject {
        Subject {
            uid,
            gid,
            user: nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
                .ok()
                .flatten()
                .map(|u| u.name),
            group: nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
                .ok()
                .flatten()
                .map(|g| g.name),
            process,
            pid,
        }
    }
}

fn user_matches(rule: &Rule, s: &Subject) -> bool {
    if rule.user == "*" {
        return true;
    }
    if rule.user.starts_with('@') {
        return rule.group.as_ref().is_some_and(|g| {
            g.gid == s.gid || s.user.as_ref().is_some_and(|n| g.users.contains(n))
        });
    }
    s.user.as_deref() == Some(rule.user.as_str())
}

fn process_matches(rule_proc: &Option<String>, s: &Subject) -> bool {
    let Some(p) = rule_proc else {
        return true;
    };
    if p == "*" {
        return true;
    }
    if p.contains('/') {
        return p == &s.process;
    }
    let base = Path::new(&s.process)
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    p == &base
}

/// Expand `%u %U %g %G %p %P` in a destination.
pub fn expand(dest: &str, s: &Subject) -> String {
    let mut out = String::new();
    let mut chars = dest.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let base = || {
            Path::new(&s.process)
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match chars.next() {
            Some('u') => out.push_str(&s.user.clone().unwrap_or_else(|| s.uid.to_string())),
            Some('U') => out.push_str(&s.uid.to_string()),
            Some('g') => out.push_str(&s.group.clone().unwrap_or_else(|| s.gid.to_string())),
            Some('G') => out.push_str(&s.gid.to_string()),
            Some('p') => out.push_str(&base()),
            Some('P') => out.push_str(&s.pid.to_string()),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// The (controllers, destination) placements of the first matching rule; empty when none matches.
pub fn placements(rules: &[Rule], s: &Subject) -> Vec<(Vec<String>, String)> {
    rules
        .iter()
        .find(|r| user_matches(r, s) && process_matches(&r.process, s))
        .map(|r| {
            r.lines
                .iter()
                .map(|l| (l.controllers.clone(), expand(&l.destination, s)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_subject(process: &str) -> Subject {
        Subject {
            uid: 0,
            gid: 0,
            user: Some("root".into()),
            group: Some("root".into()),
            process: process.to_string(),
            pid: 42,
        }
    }

    /// [`RULES`] with its `@root` rule's group as [`load`] would find it.
    fn rules() -> Vec<Rule> {
        let mut rules = parse(RULES);
        rules[3].group = Some(Members {
            gid: 0,
            users: Vec::new(),
        });
        rules
    }

    const RULES: &str = "\
# comment
nst-nobody-such     memory      never
root:/usr/bin/sleep cpu         sleepers/%p   # trailing comment
root:sh             memory      shells/%u-%U
%                   cpu,cpuacct shells/%g/%G/%P
@root               *           admins
broken line
*                   memory      default
";

    #[test]
    fn parse_groups_continuations() {
        let rules = parse(RULES);
        assert_eq!(rules.len(), 5);
        assert_eq!(rules[2].user, "root");
        assert_eq!(rules[2].process.as_deref(), Some("sh"));
        assert_eq!(rules[2].lines.len(), 2);
        assert_eq!(rules[2].lines[1].controllers, ["cpu", "cpuacct"]);
        assert_eq!(rules[3].user, "@root");
    }

    #[test]
    fn first_matching_rule_wins() {
        let rules = rules();
        assert_eq!(
            placements(&rules, &root_subject("/usr/bin/sleep")),
            vec![(vec!["cpu".to_string()], "sleepers/sleep".to_string())]
        );
        assert_eq!(
            placements(&rules, &root_subject("/bin/sh")),
            vec![
                (vec!["memory".to_string()], "shells/root-0".to_string()),
                (
                    vec!["cpu".to_string(), "cpuacct".to_string()],
                    "shells/root/0/42".to_string()
                ),
            ]
        );
        // /bin/sleep is not the full path the rule names: next rules.
        assert_eq!(
            placements(&rules, &root_subject("/bin/sleep")),
            vec![(vec!["*".to_string()], "admins".to_string())]
        );
        let nobody = Subject {
            uid: 65534,
            gid: 65534,
            user: Some("nobody".into()),
            group: Some("nogroup".into()),
            process: "x".into(),
            pid: 1,
        };
        assert_eq!(
            placements(&rules, &nobody),
            vec![(vec!["memory".to_string()], "default".to_string())]
        );
        assert!(placements(&parse("nst-nobody-such cpu x\n"), &nobody).is_empty());
        // An @group rule matches the group's id or a listed member; an unknown group nobody.
        let mut staff = parse("@staff memory staff\n");
        assert!(placements(&staff, &nobody).is_empty());
        staff[0].group = Some(Members {
            gid: 50,
            users: vec!["nobody".into()],
        });
        assert_eq!(placements(&staff, &nobody).len(), 1);
        staff[0].group = Some(Members {
            gid: 65534,
            users: Vec::new(),
        });
        assert_eq!(placements(&staff, &nobody).len(), 1);
        // Without names, %u and %g are the ids.
        let unnamed = Subject {
            user: None,
            group: None,
            ..nobody
        };
        assert_eq!(expand("%u/%g", &unnamed), "65534/65534");
    }

    #[test]
    fn expansion_keeps_unknown_escapes() {
        assert_eq!(expand("a/%x/%%/%", &root_subject("p")), "a/%x/%%/%");
    }
}
