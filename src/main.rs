//! The `ledger` binary: answer a shell's completion request, else parse,
//! dispatch, and map the outcome to an exit code (0 success, 1 a failed
//! check, 2 a usage or input error, 3 an AWS, network or remote failure
//! worth a retry).

use std::io::{self, Write};
use std::process::ExitCode;

use clap_complete::CompleteEnv;
use ledger::commands::{self, COMPLETE_VAR, Outcome};

/// See the `mimalloc` feature in Cargo.toml for why.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `COMPLETE=bash ledger -- ...` (from the script `ledger completions`
    // prints) answers with candidates and exits; otherwise a no-op.
    CompleteEnv::with_factory(ledger::cli::command)
        .var(COMPLETE_VAR)
        .complete();
    let cli = match ledger::cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let ui = commands::ui_for(&cli.global);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = commands::run(cli, &mut out, &ui).and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            ui.error(&e);
            ExitCode::from(commands::exit_code(&e))
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
