//! The quick look: where the page lies without reading its MRZ ([`Reader::locate`]),
//! and the portrait search built on it ([`Reader::find_portrait`]).

use super::detect::{Candidate as Block, LineGeom};
use super::face;
use super::image_io;
use super::mrz;
use super::reader::{
    clearly_beats, direct_variants, document_info, first_look, refine_block, Probe, Reader,
};
use super::types::{DocumentInfo, ReadOptions, Reading, VisionError};

/// The least probe belief for [`Reader::locate`] to place a page without reading it:
/// above the [`MIN_BELIEF`] for reading, as a wrong placement costs a portrait search.
/// Measured on ../shared/data/real: MRZ lines read the right way score above 0.8.
const LOCATE_BELIEF: f32 = 0.85;

/// Blocks [`Reader::locate`] probes before leaving the page to a full read (the MRZ
/// block is nearly always the first).
const LOCATE_BLOCKS: usize = 2;

impl Reader {
    /// Where the document lies, without reading its MRZ: the first candidate block whose
    /// probe the model clearly believes to be MRZ text read one way round (and which
    /// holds a filler or a digit, unlike uppercase prose), with the page quad estimated
    /// from the lines' geometry. About half the cost of a read: detection and one small
    /// model run (two when the longest line leaves the orientation open).
    ///
    /// Mirrors are not told apart (the probe cannot, see [`Reader::read_gray`]): the
    /// answer assumes the image is not mirrored (or is, with `opts.flip`). None when no
    /// block reads clearly enough; a full read may still find the document.
    pub fn locate(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
    ) -> Result<Option<DocumentInfo>, VisionError> {
        self.locate_in(gray, opts, &first_look(gray, opts).0)
    }

    /// [`Reader::locate`] among the first look's candidate blocks, already found.
    fn locate_in(
        &self,
        gray: &image::GrayImage,
        opts: &ReadOptions,
        blocks: &[Block],
    ) -> Result<Option<DocumentInfo>, VisionError> {
        for block in blocks.iter().take(LOCATE_BLOCKS) {
            let block = refine_block(gray, block);
            // The longest line first; every line when that does not settle it (the
            // middle of a line can be all fillers, which read the same either way
            // round, as on Czech passports' first line).
            let clear = |tried: &[Probe]| {
                tried[0].mrz_like
                    && tried[0].belief >= LOCATE_BELIEF
                    && clearly_beats(tried[0].belief, tried[1].belief)
            };
            let variants = direct_variants(opts);
            let mut tried = self.probe(gray, &[block.longest_line()], &variants)?;
            if !clear(&tried) && block.lines.len() > 1 {
                let lines: Vec<&LineGeom> = block.lines.iter().collect();
                tried = self.probe(gray, &lines, &variants)?;
            }
            if !clear(&tried) {
                continue;
            }
            let best = &tried[0];
            // Three lines are a TD1 card. Two lines may be TD3, TD2 or a visa: their
            // pages are the same size measured in MRZ widths (within 3%), so TD3 does.
            let format = if block.lines.len() == 3 {
                mrz::Format::TD1
            } else {
                mrz::Format::TD3
            };
            let mut lines = block.lines.clone();
            if best.variant.reverses_line_order() {
                lines.reverse();
            }
            return Ok(Some(document_info(&lines, best.variant, format)));
        }
        Ok(None)
    }

    /// Finds the holder's portrait: first on the page that [`Reader::locate`] places
    /// (the portrait zone only); when that finds nothing, on the page a read with one look
    /// places ([`Reader::place_page`]), with every fallback of
    /// [`face::find_portrait`]; and when no page is placed or none of those finds a face,
    /// on the whole image in the quarter turns that show its text level
    /// ([`face::find_portrait_anywhere`]). The document answered is the one the portrait
    /// was found on; `detected: false` means no page was found. Coordinates are
    /// displayed-image pixels.
    pub fn find_portrait(
        &self,
        detector: &face::FaceDetector,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
    ) -> Result<PortraitSearch, VisionError> {
        let rgb = &*face::as_rgb(&decoded.color);
        // One threshold of the image serves the quick look, the page read and the turns
        // of the whole-image search.
        let (blocks, text_axis) = first_look(&decoded.gray, opts);
        let search = 'search: {
            if let Some(document) = self.locate_in(&decoded.gray, opts, &blocks)? {
                if let Some(portrait) = face::find_portrait_in_zone(detector, rgb, &document)? {
                    break 'search PortraitSearch {
                        document,
                        portrait: Some(portrait),
                        read_in_full: false,
                    };
                }
            }
            // One look, not every fallback of a read: a page whose MRZ only those find is
            // left to the whole-image search, which costs less (eval --transform covermrz:
            // the page read 112 -> 40 ms with the usual looks, less with the first alone;
            // the same faces found).
            let reading = self.place_page(decoded, opts, &blocks)?;
            let portrait = face::find_portrait_rgb(detector, rgb, || text_axis, &reading.document)?;
            PortraitSearch {
                document: reading.document,
                portrait,
                read_in_full: true,
            }
        };
        Ok(search.scaled(decoded.scale))
    }

    /// Reads the MRZ in full and finds the holder's portrait on the page it places (every
    /// fallback of [`face::find_portrait`]): what `read --json` reports. Coordinates are
    /// displayed-image pixels.
    pub fn read_with_portrait(
        &self,
        detector: &face::FaceDetector,
        decoded: &image_io::Decoded,
        opts: &ReadOptions,
    ) -> Result<(Reading, Option<face::Portrait>), VisionError> {
        let mut reading = self.read_work(decoded, opts)?;
        let portrait = face::find_portrait(detector, decoded, &reading.document)?;
        reading.document = reading.document.scaled(decoded.scale);
        Ok((reading, portrait.map(|p| p.scaled(decoded.scale))))
    }
}

/// What [`Reader::find_portrait`] found.
#[derive(Clone, Debug)]
pub struct PortraitSearch {
    /// The page the search used (`detected: false` when there was none).
    pub document: DocumentInfo,
    pub portrait: Option<face::Portrait>,
    /// Whether a read of the MRZ had to place the page (the quick look failed).
    pub read_in_full: bool,
}

/// Which way [`Reader::find_portrait`] went, for timing its paths apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SearchPath {
    /// The quick look found it: [`Reader::locate`] and the portrait zone, no full read.
    Quick,
    /// Found on the page that a read of the MRZ placed.
    PageAfterRead,
    /// Found on the whole image (no page placed, or no portrait on it).
    WholeImage,
    /// No portrait anywhere: every look ran.
    NotFound,
}

impl SearchPath {
    /// The path's name in `eval`'s and `bench`'s JSON.
    pub fn name(self) -> &'static str {
        match self {
            SearchPath::Quick => "quick",
            SearchPath::PageAfterRead => "page_after_read",
            SearchPath::WholeImage => "whole_image",
            SearchPath::NotFound => "none_found",
        }
    }
}

impl PortraitSearch {
    /// The path the search took.
    pub fn path(&self) -> SearchPath {
        match &self.portrait {
            None => SearchPath::NotFound,
            Some(p) if p.found_on == face::FoundOn::Image => SearchPath::WholeImage,
            Some(_) if self.read_in_full => SearchPath::PageAfterRead,
            Some(_) => SearchPath::Quick,
        }
    }

    fn scaled(self, scale: f32) -> Self {
        Self {
            document: self.document.scaled(scale),
            portrait: self.portrait.map(|p| p.scaled(scale)),
            ..self
        }
    }
}
