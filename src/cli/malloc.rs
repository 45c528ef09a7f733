//! The allocator setting every `adlens` process runs under.
//!
//! The encoder allocates and frees tensors of tens of MB per layer. With glibc's
//! defaults each of them above the mmap threshold (at most 32 MB) is a fresh
//! `mmap` and `munmap`, and freed heap above the trim threshold goes back to the
//! kernel, so every forward pass faults its memory in again: on 64 `n300` notes
//! at batch 16, 1.8 million minor faults and about a quarter of the CPU time in
//! the kernel (docs/benchmarks.md). glibc reads its settings only when a process starts
//! (`GLIBC_TUNABLES`), and setting them from inside would need the `unsafe` call
//! `mallopt`, which this crate forbids; so a process started without the variable
//! sets it and replaces itself with the same program, arguments and open files
//! (one `execve`, same process id). The container image sets the same value in
//! its environment, so it starts once.

/// What adlens runs under: blocks under 256 MB come from glibc's heap, and freed
/// memory up to 256 MB is kept for the next tensor instead of returned.
pub const MALLOC_TUNABLES: &str =
    "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456";

/// The variable glibc reads its settings from at start-up.
const VAR: &str = "GLIBC_TUNABLES";

/// Whether a process whose environment holds `current` (the value of
/// `GLIBC_TUNABLES`, if any) should restart under [`MALLOC_TUNABLES`]: only when
/// the variable is absent. A value the user set, even an empty one (glibc's
/// defaults), is kept, and a restarted process has it set, so it never loops.
pub fn should_restart(current: Option<&std::ffi::OsStr>) -> bool {
    current.is_none()
}

/// Restarts this process under [`MALLOC_TUNABLES`] when `GLIBC_TUNABLES` is not
/// set (see the module doc). Call first thing in `main`, before any thread is
/// started. Returns when there is nothing to do, on other platforms than Linux
/// with glibc, and if the restart fails (the process then carries on with
/// glibc's defaults: slower with the encoder, otherwise the same).
pub fn restart_with_tunables() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if !should_restart(std::env::var_os(VAR).as_deref()) {
            return;
        }
        let Ok(exe) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut cmd = std::process::Command::new(exe);
        if let Some(argv0) = args.next() {
            cmd.arg0(argv0);
        }
        // `exec` returns only when it failed.
        let _failed = cmd.args(args).env(VAR, MALLOC_TUNABLES).exec();
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn only_a_process_without_the_variable_restarts() {
        assert!(should_restart(None));
        assert!(!should_restart(Some(OsStr::new(MALLOC_TUNABLES))));
        assert!(!should_restart(Some(OsStr::new(""))));
        assert!(!should_restart(Some(OsStr::new(
            "glibc.malloc.arena_max=2"
        ))));
    }

    #[test]
    fn the_value_is_the_images() {
        let dockerfile = include_str!("../../Dockerfile");
        assert!(
            dockerfile.contains(&format!("GLIBC_TUNABLES={MALLOC_TUNABLES}")),
            "the Dockerfile and the binary set different allocator settings"
        );
    }
}
