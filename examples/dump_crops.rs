//! Development aid: writes the MRZ line crops the detector finds in an image as PNGs, so
//! detection can be inspected without the recogniser.
//!
//! `cargo run --release --example dump_crops -- IMAGE OUT_DIR [TRANSFORM INDEX]`
//!
//! With a transform (as `eval --transform` names them) and the image's index in its
//! ground truth, the crops come from the image as `eval` sees it, which is also saved.

use passport_vision::transform::Transform;
use passport_vision::vision::{detect, image_io, recognize};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (input, out, transform) = match args.as_slice() {
        [_, i, o] => (i, std::path::Path::new(o), None),
        [_, i, o, t, n] => {
            let t = Transform::for_image(t, n.parse()?)
                .ok_or_else(|| anyhow::anyhow!("unknown transform {t}"))?;
            (i, std::path::Path::new(o), Some(t))
        }
        _ => anyhow::bail!("usage: dump_crops IMAGE OUT_DIR [TRANSFORM INDEX]"),
    };
    std::fs::create_dir_all(out)?;
    let mut bytes = std::fs::read(input)?;
    if let Some(t) = transform {
        let img = image_io::decode(&bytes, u64::MAX)?.color.to_rgb8();
        bytes = t.apply(&img);
        std::fs::write(out.join("transformed.img"), &bytes)?;
    }
    let decoded = image_io::decode(&bytes, u64::MAX)?;
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
