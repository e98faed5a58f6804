use std::path::PathBuf;

use clap::{Parser, Subcommand};

use passport_vision::config::Config;
use passport_vision::models::Models;
use passport_vision::{cli, server, startup};

/// Reads passports, ID cards and visas: MRZ detection, recognition and validation.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// An ONNX line model to use instead of the embedded one.
    #[arg(long, global = true)]
    model: Option<PathBuf>,
    /// What to do; `serve` when none is given, so `cargo run --release` serves.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Read image files and print what each holds.
    Read {
        /// Print one JSON object per file, one per line.
        #[arg(long)]
        json: bool,
        files: Vec<PathBuf>,
    },
    /// Score the reader on a ground-truth JSON (as ../shared/data/mrz-vectors/image-ground-truth.json).
    Eval {
        #[arg(long)]
        ground_truth: PathBuf,
        /// Also print one line per image on stderr, and one per document whose corners
        /// were missed (where the truth gives them).
        #[arg(long)]
        per_image: bool,
        /// Skip the portrait search (times the MRZ read alone).
        #[arg(long)]
        no_faces: bool,
        /// Read each image as this transform leaves it: rotate (a different angle per
        /// image), mirror, perspective (on a cluttered background) or lowq (0.6x, blur,
        /// JPEG 40); or covermrz: find the portrait with the MRZ painted over; cutmrz: with
        /// the image cut off above the MRZ; or holding: covered, beside a larger face, as a
        /// person holding the document.
        #[arg(long)]
        transform: Option<String>,
    },
    /// Time each stage of a read on synthetic pages (JPEG-encoded as given, turned 90
    /// degrees and mirrored), on one thread.
    Bench {
        #[arg(long, default_value = "fixtures/pages")]
        pages: PathBuf,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    /// Serve the HTTP API (config/default.toml, PV_* environment variables; see README).
    Serve,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let Models { reader, faces } = Models::load(args.model.as_deref())?;
    match args.command.unwrap_or(Command::Serve) {
        Command::Read { json, files } => cli::cmd_read(&reader, &faces, &files, json),
        Command::Eval {
            ground_truth,
            per_image,
            no_faces,
            transform,
        } => {
            let faces = (!no_faces).then_some(&*faces);
            let summary = cli::cmd_eval(
                &reader,
                faces,
                &ground_truth,
                per_image,
                transform.as_deref(),
            )?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
        Command::Bench { pages, rounds } => {
            let report = cli::cmd_bench(&reader, &faces, &pages, rounds)?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        Command::Serve => {
            server::init_tracing();
            let config = Config::load()?;
            let models = Models { reader, faces };
            tokio::runtime::Runtime::new()?.block_on(startup::serve(config, models))
        }
    }
}
