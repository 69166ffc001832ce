//! The only place with `unsafe`: the mapping, memory policy and advice syscalls, and reading the
//! NUMA facts libnuma would read.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::ptr::NonNull;

use log::debug;
use nix::errno::Errno;

use crate::plan::{NumaFacts, Policy};

/// Transparent huge page size on x86-64 and arm64 (4 KiB base pages): the alignment that lets
/// the kernel back the whole buffer with huge pages.
pub(crate) const HUGE_PAGE: usize = 2 << 20;

/// Set every byte of `buf` to `byte` with non-temporal (streaming) stores where the CPU has them:
/// for memory that is already resident and not about to be read, this skips reading each line into
/// the cache before overwriting it, about twice as fast as `fill` here. x86-64 only (SSE2 is part
/// of the base ISA); elsewhere a plain `fill`.
pub(crate) fn stream_fill(buf: &mut [u8], byte: u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_set1_epi8, _mm_sfence, _mm_stream_si128};
        // SAFETY: `align_to_mut` gives a middle of properly aligned 16-byte values inside `buf`;
        // _mm_stream_si128 writes exactly one of them per call; SSE2 is always present on x86-64.
        // The fence orders the streaming stores before anything this thread does next.
        unsafe {
            let (head, middle, tail) = buf.align_to_mut::<__m128i>();
            head.fill(byte);
            let value = _mm_set1_epi8(byte as i8);
            for slot in middle.iter_mut() {
                _mm_stream_si128(slot, value);
            }
            _mm_sfence();
            tail.fill(byte);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    buf.fill(byte);
}

/// `open(path, O_RDWR)`, as memhog's `-f` does.
pub(crate) fn open_rdwr(path: &OsStr) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

/// A private anonymous or shared file mapping, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
    anonymous: bool,
}

// SAFETY: the mapping is plain memory owned by this value; access goes through `&`/`&mut` slices.
unsafe impl Send for Mapping {}
// SAFETY: as above; shared access only hands out `&[u8]`.
unsafe impl Sync for Mapping {}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}

fn raw_mmap(len: usize, flags: libc::c_int, fd: libc::c_int) -> Result<*mut u8, Errno> {
    // SAFETY: a fresh mapping at an address the kernel chooses; no existing memory is affected.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            fd,
            0,
        )
    };
    debug!("mmap(NULL, {len}, RW, {flags:#x}, {fd}, 0) = {ptr:?}");
    if ptr == libc::MAP_FAILED {
        Err(Errno::last())
    } else {
        Ok(ptr.cast())
    }
}

fn unmap(ptr: *mut u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: callers pass a page-aligned range inside a mapping this module created and no
    // longer references.
    let rc = unsafe { libc::munmap(ptr.cast(), len) };
    debug!("munmap({ptr:?}, {len}) = {rc}");
}

impl Mapping {
    /// `length` bytes of private anonymous memory. When it can hold a huge page the start is
    /// aligned to [`HUGE_PAGE`] (map a little more, unmap the ends) so that every part of the
    /// buffer can be a huge page; if that larger request fails, the plain request is made so the
    /// error is exactly the one numactl's `mmap` sees.
    pub(crate) fn anonymous(length: u64) -> Result<Mapping, Errno> {
        let len = usize::try_from(length).map_err(|_| Errno::ENOMEM)?;
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        let page = page_size();
        if len >= HUGE_PAGE {
            let rounded = len.checked_next_multiple_of(page);
            if let Some(total) = rounded.and_then(|r| r.checked_add(HUGE_PAGE)) {
                if let Ok(base) = raw_mmap(total, flags, -1) {
                    let rounded = rounded.expect("checked above");
                    let start = (base as usize).next_multiple_of(HUGE_PAGE);
                    let head = start - base as usize;
                    unmap(base, head);
                    // SAFETY: `head + rounded <= total`, inside the mapping just made.
                    let tail = unsafe { base.add(head + rounded) };
                    unmap(tail, total - head - rounded);
                    let ptr = NonNull::new(start as *mut u8).ok_or(Errno::ENOMEM)?;
                    return Ok(Mapping {
                        ptr,
                        len,
                        anonymous: true,
                    });
                }
            }
        }
        let ptr = raw_mmap(len, flags, -1)?;
        Ok(Mapping {
            ptr: NonNull::new(ptr).ok_or(Errno::ENOMEM)?,
            len,
            anonymous: true,
        })
    }

    /// `length` bytes of `file`, shared (memhog's `-f`).
    pub(crate) fn shared_file(file: &File, length: u64) -> Result<Mapping, Errno> {
        let len = usize::try_from(length).map_err(|_| Errno::ENOMEM)?;
        let ptr = raw_mmap(len, libc::MAP_SHARED, file.as_raw_fd())?;
        Ok(Mapping {
            ptr: NonNull::new(ptr).ok_or(Errno::ENOMEM)?,
            len,
            anonymous: false,
        })
    }

    pub(crate) fn is_anonymous(&self) -> bool {
        self.anonymous
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is mapped readable for the lifetime of `self`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: mapped read-write for the lifetime of `self`; `&mut self` makes it exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }

    /// `madvise(MADV_HUGEPAGE)` or `madvise(MADV_NOHUGEPAGE)`; failure is ignored, as numactl
    /// ignores it (a kernel without THP simply keeps small pages).
    pub(crate) fn advise_hugepages(&self, wanted: bool) {
        let advice = if wanted {
            libc::MADV_HUGEPAGE
        } else {
            libc::MADV_NOHUGEPAGE
        };
        // SAFETY: advice on a range this value maps; it does not change the contents.
        let rc = unsafe { libc::madvise(self.ptr.as_ptr().cast(), self.len, advice) };
        debug!("madvise({:?}, {}, {advice}) = {rc}", self.ptr, self.len);
    }

    /// `mbind(2)` the whole mapping to `policy` over `nodes`, with a mask of `mask_bits` bits.
    pub(crate) fn bind(&self, policy: Policy, nodes: &[u32], mask_bits: u32) -> Result<(), Errno> {
        let words = (mask_bits as usize).div_ceil(64).max(1);
        let mut mask = vec![0u64; words];
        for &node in nodes {
            if let Some(word) = mask.get_mut(node as usize / 64) {
                *word |= 1 << (node % 64);
            }
        }
        // libnuma passes its mask size in bits as maxnode; the kernel reads maxnode - 1 bits.
        let maxnode = (words * 64 + 1) as libc::c_ulong;
        // SAFETY: mbind reads `words` u64s from `mask`, which lives across the call, and only
        // changes the policy of our own mapping.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_mbind,
                self.ptr.as_ptr(),
                self.len,
                policy as libc::c_int,
                mask.as_ptr(),
                maxnode,
                0 as libc::c_uint,
            )
        };
        debug!(
            "mbind({:?}, {}, {policy:?}, {nodes:?}) = {rc}",
            self.ptr, self.len
        );
        if rc < 0 {
            Err(Errno::last())
        } else {
            Ok(())
        }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        unmap(self.ptr.as_ptr(), self.len.next_multiple_of(page_size()));
    }
}

/// libnuma's `numa_available()`: memory policies exist unless `get_mempolicy` says ENOSYS/EPERM.
fn numa_available() -> bool {
    // SAFETY: get_mempolicy with null outputs and no flags only reports whether it works.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_get_mempolicy,
            std::ptr::null_mut::<libc::c_int>(),
            std::ptr::null_mut::<libc::c_ulong>(),
            0 as libc::c_ulong,
            std::ptr::null_mut::<libc::c_void>(),
            0 as libc::c_ulong,
        )
    };
    !(rc < 0 && matches!(Errno::last(), Errno::ENOSYS | Errno::EPERM))
}

/// The NUMA facts libnuma reads: `Mems_allowed` from /proc/self/status (its word count gives the
/// mask size) and the `nodeN` directories under /sys/devices/system/node.
pub(crate) fn numa_facts() -> NumaFacts {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let words: Vec<&str> = status
        .lines()
        .find_map(|l| l.strip_prefix("Mems_allowed:"))
        .map(|v| v.trim().split(',').collect())
        .unwrap_or_default();
    let mut allowed = Vec::new();
    for (i, word) in words.iter().rev().enumerate() {
        let bits = u32::from_str_radix(word, 16).unwrap_or(0);
        allowed.extend(
            (0..32)
                .filter(|b| bits & (1 << b) != 0)
                .map(|b| i as u32 * 32 + b),
        );
    }
    let configured = std::fs::read_dir("/sys/devices/system/node")
        .map(|dir| {
            dir.flatten()
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    name.strip_prefix("node")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                })
                .count() as u32
        })
        .unwrap_or(0);
    if words.is_empty() {
        // No cpuset information (not Linux as we know it): one node, like libnuma's fallback.
        allowed.push(0);
    }
    NumaFacts {
        allowed,
        mask_bits: (words.len() as u32 * 32).max(64),
        configured: configured.max(1),
        available: numa_available(),
    }
}
