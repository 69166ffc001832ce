//! Carrying out cgcreate's plan: start each scope, make each group in every hierarchy, record the
//! default scope; a group that fails is rolled back (its directories, its idle process).

use std::path::Path;
use std::process::Child;

use super::plan::{cannot_create, Group, Plan, Scope};
use crate::error::{Ecg, Failure};
use crate::group::{self, Created};
use crate::layout::{Layout, Roots};
use crate::path;
use crate::spec::Spec;
use crate::systemd::{self, ScopeName, ScopeRequest};

/// Make the plan's groups in order, then end with its failure, if any.
pub(crate) fn carry_out(plan: &Plan, layout: &Layout, roots: &Roots) -> Result<(), Failure> {
    for g in &plan.groups {
        make(plan, g, layout)?;
        if let Some(Scope {
            name,
            set_default: true,
            ..
        }) = &g.scope
        {
            record_default(roots, name)?;
        }
    }
    plan.stop.clone().map_or(Ok(()), Err)
}

/// One group: its scope first (systemd makes its cgroup, we then treat it as any group), then its
/// directory in every hierarchy, with owners and modes.
fn make(plan: &Plan, g: &Group, layout: &Layout) -> Result<(), Failure> {
    let idle = match &g.scope {
        Some(scope) => start_scope(layout, g.spec, &scope.name, scope.pid).map_err(|msg| {
            Failure::prog(
                Ecg::Other.exit(),
                format!("can't create scope {}: {msg}", g.spec.path),
            )
        })?,
        None => None,
    };
    let mut dirs = Vec::new();
    for t in &g.targets {
        match path::join(t.hierarchy.mount(), &g.rel) {
            Ok(d) => dirs.push(d),
            Err(e) => {
                stop_idle(idle);
                return Err(cannot_create(g.spec, Ecg::Inval.exit(), e));
            }
        }
    }
    let mut created = Created::default();
    for (t, dir) in g.targets.iter().zip(&dirs) {
        let made = group::create(
            t.hierarchy,
            &t.controllers,
            dir,
            plan.owners,
            plan.caller,
            &mut created,
        );
        if let Err(e) = made {
            created.rollback();
            // Without its idle process the scope is empty, and systemd removes it.
            stop_idle(idle);
            return Err(cannot_create(g.spec, e.exit(), e));
        }
    }
    Ok(())
}

/// `-S`: write the scope as the default.
fn record_default(roots: &Roots, name: &ScopeName) -> Result<(), Failure> {
    systemd::write_default(roots, name).map(drop).map_err(|e| {
        Failure::prog(
            Ecg::Other.exit(),
            format!(
                "failed to write default {} to {}: {}",
                name.record(),
                roots.fs.join(systemd::DEFAULT_FILE).display(),
                common::strerror(e.raw_os_error().unwrap_or(libc::EIO))
            ),
        )
    })
}

/// Ask systemd for the scope (through busctl) holding `pid` or a new idle process, and wait,
/// bounded, until its cgroup exists with that process inside. Returns the idle process we made
/// (`None` with `-p`); on failure the idle process is gone again.
fn start_scope(
    layout: &Layout,
    spec: &Spec,
    name: &ScopeName,
    pid: Option<u32>,
) -> Result<Option<Child>, String> {
    let busctl = common::exec::find_in_path(std::ffi::OsStr::new("busctl"))
        .ok_or_else(|| "busctl not found in PATH (it comes with systemd)".to_string())?;
    let h = systemd::unit_hierarchy(layout)
        .ok_or_else(|| "no cgroup hierarchy for systemd units is mounted".to_string())?;
    let dir = path::join(h.mount(), &name.cgroup_path()).map_err(|e| e.to_string())?;
    let mut idle = None;
    let pid = match pid {
        Some(p) => p,
        None => {
            let child = systemd::spawn_idle()
                .map_err(|e| format!("failed to create system idle thread: {e}"))?;
            let p = child.id();
            idle = Some(child);
            p
        }
    };
    crate::cg_debug!("pid {pid} will be placed in scope {}", name.record());
    let req = ScopeRequest {
        name: name.clone(),
        pid,
        controllers: spec.controllers.clone(),
    };
    match ask_systemd(&busctl, &req).and_then(|()| wait_for(&dir, pid)) {
        Ok(()) => {
            crate::cg_info!(
                "Created systemd slice {} scope {} pid {pid}",
                name.slice,
                name.scope
            );
            Ok(idle)
        }
        Err(msg) => {
            stop_idle(idle);
            Err(msg)
        }
    }
}

/// Run `busctl` to start the transient scope; the error is busctl's first line.
fn ask_systemd(busctl: &Path, req: &ScopeRequest) -> Result<(), String> {
    let args = systemd::busctl_args(req);
    crate::cg_debug!("{} {}", busctl.display(), args.join(" "));
    let out = std::process::Command::new(busctl)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", busctl.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let msg = err.lines().next().unwrap_or("").trim().to_string();
        return Err(format!(
            "StartTransientUnit failed: {}",
            if msg.is_empty() {
                "busctl failed".into()
            } else {
                msg
            }
        ));
    }
    crate::cg_debug!("job: {}", String::from_utf8_lossy(&out.stdout).trim());
    Ok(())
}

/// systemd creates the cgroup and moves the process when the job runs: wait for both, bounded.
fn wait_for(dir: &Path, pid: u32) -> Result<(), String> {
    let deadline = std::time::Instant::now() + systemd::SCOPE_WAIT;
    loop {
        let inside = path::read_knob(dir, "cgroup.procs")
            .map(|t| t.split_whitespace().any(|p| p == pid.to_string()))
            .unwrap_or(false);
        if inside {
            return Ok(());
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "timed out after {}s waiting for pid {pid} in {}",
                systemd::SCOPE_WAIT.as_secs(),
                dir.display()
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Kill and reap the idle process we started (a failed creation leaves nothing behind).
fn stop_idle(idle: Option<Child>) {
    if let Some(mut child) = idle {
        let _ = child.kill();
        let _ = child.wait();
    }
}
