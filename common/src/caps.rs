//! `--keep-caps` of unshare and nsenter: util-linux's `cap_permitted_to_ambient`.

use std::io;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// `_LINUX_CAPABILITY_VERSION_3`: two 32-bit data words.
const CAP_VERSION_3: u32 = 0x2008_0522;

/// The highest capability number the kernel knows (`/proc/sys/kernel/cap_last_cap`). nsenter
/// reads it before entering, since /proc may then be the container's.
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// Make every permitted capability inheritable, then raise each effective one (up to `last`) into
/// the ambient set, so it survives exec of a non-root program. On failure: util-linux's message
/// (`capget failed`, `capset failed`, `prctl(PR_CAP_AMBIENT) failed`) and the OS error.
pub fn permitted_to_ambient(last: u32) -> Result<(), (&'static str, io::Error)> {
    let mut header = CapHeader {
        version: CAP_VERSION_3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: a header and a two-element data array, as capget(2) version 3 expects.
    if unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) } < 0 {
        return Err(("capget failed", io::Error::last_os_error()));
    }
    for d in &mut data {
        d.inheritable = d.permitted;
    }
    // SAFETY: as above; the data was filled by capget.
    if unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) } < 0 {
        return Err(("capset failed", io::Error::last_os_error()));
    }
    let effective = u64::from(data[1].effective) << 32 | u64::from(data[0].effective);
    for cap in (0..=last.min(63)).filter(|cap| effective & (1u64 << cap) != 0) {
        // SAFETY: prctl with integer arguments.
        let ret = unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                cap as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        };
        if ret < 0 {
            return Err(("prctl(PR_CAP_AMBIENT) failed", io::Error::last_os_error()));
        }
    }
    log::debug!("raised ambient capabilities up to {last}");
    Ok(())
}
