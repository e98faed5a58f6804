//! Development aid: writes the MRZ line crops the detector finds in an image as PNGs, so
//! detection can be inspected without the recogniser.
//!
//! `cargo run --release --example dump_crops -- IMAGE OUT_DIR`

use passport_vision::vision::{detect, image_io, recognize};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (input, out) = match args.as_slice() {
        [_, i, o] => (i, std::path::Path::new(o)),
        _ => anyhow::bail!("usage: dump_crops IMAGE OUT_DIR"),
    };
    std::fs::create_dir_all(out)?;
    let decoded = image_io::decode(&std::fs::read(input)?, u64::MAX)?;
    let blocks = detect::find_mrz_candidates(&decoded.gray);
    println!("{} candidate blocks", blocks.len());
    for (b, block) in blocks.iter().enumerate().take(4) {
        println!("block {b}: score {:.1}", block.score);
        for (l, line) in block.lines.iter().enumerate() {
            println!(
                "  line {l}: centre ({:.0},{:.0}) dir ({:.3},{:.3}) len {:.0} char_h {:.1} n {}",
                line.cx,
                line.cy,
                line.dx,
                line.dy,
                line.length(),
                line.char_h,
                line.n_components
            );
            let crop = recognize::crop_line(&decoded.gray, line, recognize::Variant::Upright);
            let img =
                image::GrayImage::from_fn(crop.width as u32, recognize::CROP_H as u32, |x, y| {
                    image::Luma([(crop.data[y as usize * crop.width + x as usize] * 255.0) as u8])
                });
            img.save(out.join(format!("b{b}_l{l}.png")))?;
        }
    }
    Ok(())
}
