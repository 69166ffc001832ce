//! Carrying out the plan: map, bind, advise, fill (on every core), and report like the originals.
//!
//! Speed: the cost of memhog is the first touch of each page (the kernel must find and zero it).
//! Two things make that cheap: transparent huge pages (one fault and one zeroing per 2 MiB instead
//! of 512 faults; asked for with `MADV_HUGEPAGE` unless `-H`), and filling with every core (the
//! kernel zeroes each core's pages in parallel). The buffer is written in 2 MiB pieces, so each
//! piece is rewritten while the kernel's zeroes are still in the cache; later passes (`-r`), over
//! memory already resident, use streaming stores that do not read each line first.
//!
//! Output stays numactl's byte for byte: workers take 2 MiB pieces in order from one queue, and
//! the one that takes the first piece of a 10 MiB chunk prints its `.` before releasing the queue,
//! so there is exactly one dot per chunk, flushed before any of it is written, and the pass's
//! newline comes after every piece is written.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use common::eprintln;
use nix::errno::Errno;

use crate::cli::Cli;
use crate::plan::{usage_text, Hog, Plan};
use crate::sys::{self, Mapping, HUGE_PAGE};

/// numactl's `UNIT`: one dot per 10 MiB.
pub(crate) const UNIT: usize = 10 << 20;
/// The byte numactl's memhog writes.
pub(crate) const PATTERN: u8 = 0xff;
/// Buffers at least this large are filled by every core; below it a thread costs more than it
/// saves, and a single writer keeps the order of faults simple.
const PARALLEL_FROM: usize = 16 << 20;
/// More writers than this only compete for memory bandwidth.
const MAX_WORKERS: usize = 8;

/// Write to stdout at once (numactl flushes after each dot); a failed write changes nothing, as
/// with numactl (`memhog 1m >/dev/full` exits 0; `common::IoPolicy::Numactl`).
fn say(text: impl AsRef<[u8]>) {
    let mut out = common::stdio::stdout();
    let _ = out.write_all(text.as_ref()).and_then(|()| out.flush());
}

/// perror(3)'s `what: strerror` on stderr (just `strerror` when `what` is empty); `what` is
/// bytes, so a file name is printed as given. Errors are ignored, as perror does.
fn perror(what: &[u8], errno: Errno) {
    let mut line = what.to_vec();
    if !line.is_empty() {
        line.extend(b": ");
    }
    line.extend(common::strerror(errno as i32).as_bytes());
    line.push(b'\n');
    let _ = common::stdio::stderr().write_all(&line);
}

/// Run the plan; returns the exit code.
pub(crate) fn execute(cli: &Cli, plan: &Plan) -> u8 {
    if *plan == Plan::Version {
        say(format!("{}\n", common::version_line("memhog")));
        return 0;
    }
    // numactl opens each -f as it scans the options; the last open decides, even a failed one.
    let mut file = None;
    for path in &cli.files {
        file = match sys::open_rdwr(path) {
            Ok(f) => Some(f),
            Err(e) => {
                perror(
                    path.as_bytes(),
                    Errno::from_raw(e.raw_os_error().unwrap_or(0)),
                );
                None
            }
        };
    }
    match plan {
        Plan::Version => 0,
        Plan::Usage => {
            say(usage_text());
            1
        }
        Plan::InvalidNodes { warning, nodes } => {
            if let Some(w) = warning {
                let _ = common::stdio::stderr().write_all(w);
            }
            say([b"<", nodes.as_bytes(), b"> is invalid\n"].concat());
            1
        }
        Plan::Numactl(hog) => {
            if hog.warn_no_numa {
                say("Kernel doesn't support NUMA policy\n");
            }
            let Some(mut map) = prepare(hog, file.as_ref()) else {
                return 1;
            };
            let workers = workers(&map);
            for pass in 0..hog.repeat.max(0) {
                fill(map.as_mut_slice(), workers, pass > 0, &|| say("."));
                say("\n");
            }
            0
        }
        Plan::Walkthrough { hog, seconds } => {
            say(format!("allocating {} bytes...\n", hog.length));
            let Some(mut map) = prepare(hog, file.as_ref()) else {
                return 1;
            };
            let workers = workers(&map);
            say(format!("writing {} bytes...\n", hog.length));
            fill(map.as_mut_slice(), workers, false, &|| ());
            say(format!("reading {} bytes...\n", hog.length));
            if let Some(at) = check(map.as_slice(), workers) {
                eprintln!(
                    "memhog: read back {:#04x} at byte {at}, expected {PATTERN:#04x}",
                    map.as_slice()[at]
                );
                return 1;
            }
            say(format!("sleeping for {seconds} seconds...\n"));
            std::thread::sleep(Duration::from_secs(*seconds));
            0
        }
    }
}

/// Map, bind and advise as numactl does; `None` after printing its error.
fn prepare(hog: &Hog, file: Option<&std::fs::File>) -> Option<Mapping> {
    let mapped = match file {
        Some(f) => Mapping::shared_file(f, hog.length),
        None => Mapping::anonymous(hog.length),
    };
    let map = match mapped {
        Ok(map) => map,
        Err(errno) => {
            // numactl's util.c prefixes this one with its own name.
            perror(b"numactl: mmap", errno);
            return None;
        }
    };
    if let Err(errno) = map.bind(hog.policy, &hog.nodes, hog.mask_bits) {
        perror(b"mbind", errno);
    }
    if hog.no_hugepages {
        map.advise_hugepages(false);
    } else if map.is_anonymous() {
        map.advise_hugepages(true);
    }
    Some(map)
}

/// How many threads fill this mapping: every core for a large anonymous buffer; one for a file
/// (a short file ends in SIGBUS, and numactl's dots before it must match) or a small buffer.
fn workers(map: &Mapping) -> usize {
    if !map.is_anonymous() || map.as_slice().len() < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(MAX_WORKERS)
}

/// Pieces of a chunk: writers take 2 MiB pieces, so they stay balanced to the end of a pass.
const PIECES_PER_UNIT: usize = UNIT / HUGE_PAGE;
const _: () = assert!(PIECES_PER_UNIT * HUGE_PAGE == UNIT);

/// One pass: every byte of `buf` set to [`PATTERN`]. Writers take [`HUGE_PAGE`] pieces in order
/// from one queue; whoever takes the first piece of a [`UNIT`] chunk calls `announce` before
/// releasing the queue, so there is one announcement per chunk, made before any of it is written.
///
/// The first pass writes through the cache (the kernel has just zeroed each page there); on later
/// passes (`resident`) the pages are all in memory and streaming stores are faster.
pub(crate) fn fill(buf: &mut [u8], workers: usize, resident: bool, announce: &(dyn Fn() + Sync)) {
    let queue = Mutex::new(buf.chunks_mut(HUGE_PAGE).enumerate());
    let work = || loop {
        let piece = {
            let mut pieces = queue.lock().unwrap_or_else(PoisonError::into_inner);
            let Some((index, piece)) = pieces.next() else {
                break;
            };
            if index % PIECES_PER_UNIT == 0 {
                announce();
            }
            piece
        };
        if resident {
            sys::stream_fill(piece, PATTERN);
        } else {
            piece.fill(PATTERN);
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..workers {
                // No thread (a pids limit, say) only means fewer writers: the work queue is shared.
                if std::thread::Builder::new()
                    .spawn_scoped(scope, work)
                    .is_err()
                {
                    break;
                }
            }
            work();
        });
    }
}

/// The first byte of `buf` that is not [`PATTERN`], read with `workers` threads.
pub(crate) fn check(buf: &[u8], workers: usize) -> Option<usize> {
    if workers <= 1 {
        return first_mismatch(buf, PATTERN);
    }
    let part = buf.len().div_ceil(workers).next_multiple_of(HUGE_PAGE);
    std::thread::scope(|scope| {
        let handles: Vec<_> = buf
            .chunks(part)
            .enumerate()
            .map(|(i, slice)| {
                let find = move || first_mismatch(slice, PATTERN).map(|at| i * part + at);
                // Without a thread, the part is checked here and now.
                std::thread::Builder::new()
                    .spawn_scoped(scope, find)
                    .map_err(|_| find())
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match h {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(found) => found,
            })
            .min()
    })
}

/// The first index whose byte differs from `byte`; blocks are compared with an OR-fold the
/// compiler vectorises, and only a differing block is searched byte by byte.
pub(crate) fn first_mismatch(buf: &[u8], byte: u8) -> Option<usize> {
    const BLOCK: usize = 4096;
    buf.chunks(BLOCK).enumerate().find_map(|(i, block)| {
        let differs = block.iter().fold(0u8, |acc, &b| acc | (b ^ byte)) != 0;
        if differs {
            block
                .iter()
                .position(|&b| b != byte)
                .map(|at| i * BLOCK + at)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn fill_writes_every_byte_and_announces_each_chunk_once() {
        for (len, workers) in [(1, 1), (UNIT, 2), (UNIT * 3 + 17, 2), (UNIT * 5 - 1, 3)] {
            for resident in [false, true] {
                let mut buf = vec![0u8; len + 3];
                let dots = AtomicUsize::new(0);
                // An odd start exercises the unaligned head and tail of the streaming writer.
                fill(&mut buf[1..len + 1], workers, resident, &|| {
                    dots.fetch_add(1, Ordering::Relaxed);
                });
                assert_eq!(dots.into_inner(), len.div_ceil(UNIT), "{len}");
                assert_eq!(first_mismatch(&buf[1..len + 1], PATTERN), None, "{len}");
                assert_eq!(
                    (buf[0], buf[len + 1], buf[len + 2]),
                    (0, 0, 0),
                    "{len}: bounds"
                );
            }
        }
    }

    #[test]
    fn check_finds_the_first_wrong_byte() {
        let mut buf = vec![PATTERN; 3 * HUGE_PAGE + 5];
        assert_eq!(check(&buf, 2), None);
        buf[3 * HUGE_PAGE + 1] = 0;
        buf[HUGE_PAGE + 4097] = 7;
        assert_eq!(check(&buf, 2), Some(HUGE_PAGE + 4097));
        assert_eq!(check(&buf, 1), Some(HUGE_PAGE + 4097));
        assert_eq!(first_mismatch(&[], PATTERN), None);
    }
}
