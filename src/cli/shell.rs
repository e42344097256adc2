//! `pgrift completions SHELL` and `pgrift man`: what a shell and `man` need
//! to know about the command line, generated from its definition so that
//! they never fall behind it.

use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError, EXIT_OK, write_output};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> Result<ExitCode, CliError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pgrift", &mut out);
    print(&out)
}

/// Prints the manual page, in roff, of `pgrift` and each of its commands
/// (one page, a section per command).
pub fn man() -> Result<ExitCode, CliError> {
    let command = Cli::command();
    let mut out = Vec::new();
    let io = |source| CliError::Write {
        path: "<stdout>".into(),
        source,
    };
    clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .map_err(io)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("pgrift-{}", sub.get_name());
        clap_mangen::Man::new(sub.clone().name(name).version(env!("CARGO_PKG_VERSION")))
            .render(&mut out)
            .map_err(io)?;
    }
    print(&out)
}

fn print(out: &[u8]) -> Result<ExitCode, CliError> {
    write_output(None, out)?;
    Ok(ExitCode::from(EXIT_OK))
}
