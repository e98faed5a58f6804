//! The document-vision core: decoded images and options in, typed results out.
//!
//! Nothing here knows about HTTP, configuration files or async runtimes. The pipeline:
//! 1. [`image_io::decode`]: JPEG, PNG, BMP, TIFF or WebP by content, with a pixel limit, EXIF orientation applied;
//! 2. [`detect::find_mrz_candidates`]: blocks of 2-3 MRZ-like lines at any angle;
//! 3. [`recognize`]: each line cropped along its own axis and read by the line model,
//!    trying the upright and upside-down (and, when asked, mirrored) readings;
//! 4. [`mrz::parse_read`]: ICAO 9303 parsing, check digits and guided repairs.
//!
//! Coordinates in results are pixels of the image as displayed (after EXIF orientation,
//! before any correction of ours), x to the right, y down.

//!
//! Files: [`types`] (options, readings, errors), [`reader`] (the pipeline), [`locate`]
//! (the page without a full read, and the portrait search), [`geom`] (pixels and page
//! geometry).

pub mod boundary;
pub mod detect;
pub mod face;
pub mod geom;
pub mod image_io;
pub mod locate;
pub mod mrz;
pub mod reader;
pub mod recognize;
pub mod runtime;
pub mod types;

pub use locate::{PortraitSearch, SearchPath};
pub use reader::Reader;
pub use types::{
    DocumentInfo, Failure, QuadFrom, ReadOptions, Reading, Timings, VisionError, DEFAULT_MAX_PIXELS,
};
