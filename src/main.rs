//! The `shoplab` binary: parses the command line and maps outcomes to exit codes
//! (0 success, 2 bad input, 1 other failure).

mod calculator;
mod cli;
mod sweep_cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, Failure};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => cli::tui("default", std::path::Path::new(".")),
        Some(Command::Tui {
            scenario,
            export_dir,
        }) => cli::tui(&scenario, &export_dir),
        Some(Command::Run(args)) => cli::run(&args),
        Some(Command::Validate { scenario }) => cli::validate(&scenario),
        Some(Command::Scenarios) => cli::scenarios(),
        Some(Command::Strategies) => cli::strategies(),
        Some(Command::Stats { test }) => cli::stats(&test),
        Some(Command::Power(args)) => cli::power(&args),
        Some(Command::Sweep(args)) => sweep_cli::sweep(&args),
        Some(Command::Merge(args)) => sweep_cli::merge_parts(&args),
        Some(Command::Plans) => sweep_cli::plans(),
        Some(Command::Completions { shell }) => cli::completions(shell),
        Some(Command::Man) => cli::man(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}
