//! Times an ONNX line model in rten on blank crops of a given width, one thread, to
//! compare recogniser architectures before training them:
//!
//!     cargo run --release --example model_speed MODEL.onnx [WIDTH] [BATCH]
use passport_vision::vision::runtime::{LineModel, RtenLineModel};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: model_speed MODEL.onnx [WIDTH] [BATCH]");
    let width: usize = args.get(2).map_or(880, |s| s.parse().expect("WIDTH"));
    let batch: usize = args.get(3).map_or(1, |s| s.parse().expect("BATCH"));
    let model = RtenLineModel::load(std::path::Path::new(path)).expect("model");
    let input = vec![1f32; batch * 32 * width];
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let p = model.predict(input.clone(), batch, width).expect("run");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.probs.len(), batch * p.frames * p.classes);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{path}: width {width} batch {batch}: median {:.2} ms ({:.2} ms per line)",
        times[15],
        times[15] / batch as f64
    );
}
