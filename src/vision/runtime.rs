//! The inference runtime, in one file: the [`LineModel`] trait the recogniser calls, and
//! its implementation on rten, a pure-Rust ONNX runtime (no C++ toolchain, no download).

use rten::Model;
use rten_tensor::prelude::*;
use rten_tensor::NdTensor;

/// A text-line recogniser: grayscale line crops in, per-frame class probabilities out.
pub trait LineModel: Send + Sync {
    /// Runs a batch of `batch` crops, each 32 pixels high and `width` wide (a multiple of 4),
    /// stored as `[batch, 1, 32, width]` floats with paper near 1.0 and ink near 0.0.
    /// Returns `[batch, frames, classes]` softmax probabilities and the number of frames.
    fn predict(
        &self,
        input: Vec<f32>,
        batch: usize,
        width: usize,
    ) -> Result<Prediction, ModelError>;
}

/// Probabilities per crop, frame and class, row-major `[batch, frames, classes]`.
pub struct Prediction {
    pub probs: Vec<f32>,
    pub frames: usize,
    pub classes: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot load the model {path}: {message}")]
    Load { path: String, message: String },
    #[error("the model failed to run: {0}")]
    Run(String),
    #[error("the model's output has an unexpected shape {0:?}")]
    Shape(Vec<usize>),
}

/// The MRZ line recogniser run by rten.
pub struct RtenLineModel {
    model: Model,
    pool: std::sync::Arc<rten::ThreadPool>,
    input: rten::NodeId,
    output: rten::NodeId,
}

impl RtenLineModel {
    /// Loads an ONNX file; fails with a clear message when it is missing or corrupt.
    pub fn load(path: &std::path::Path) -> Result<Self, ModelError> {
        let err = |message: String| ModelError::Load {
            path: path.display().to_string(),
            message,
        };
        let model = Model::load_file(path).map_err(|e| err(e.to_string()))?;
        Self::from_model(model).map_err(|e| err(e.to_string()))
    }
}

impl LineModel for RtenLineModel {
    fn predict(
        &self,
        input: Vec<f32>,
        batch: usize,
        width: usize,
    ) -> Result<Prediction, ModelError> {
        let tensor = NdTensor::from_data([batch, 1, 32, width], input);
        // One thread per call: the service runs many requests side by side, and one line
        // batch is too small to gain from splitting.
        let mut opts = rten::RunOptions::default();
        opts.thread_pool = Some(self.pool.clone());
        let mut out = self
            .model
            .run(
                vec![(self.input, tensor.view().into())],
                &[self.output],
                Some(opts),
            )
            .map_err(|e| ModelError::Run(e.to_string()))?;
        let value = out.remove(0);
        let probs: NdTensor<f32, 3> = value
            .try_into()
            .map_err(|e: rten::TryFromValueError| ModelError::Run(e.to_string()))?;
        let [n, frames, classes] = probs.shape();
        if n != batch {
            return Err(ModelError::Shape(vec![n, frames, classes]));
        }
        Ok(Prediction {
            probs: probs.to_vec(),
            frames,
            classes,
        })
    }
}

impl RtenLineModel {
    /// Loads the model from bytes compiled into the binary.
    pub fn from_static(bytes: &'static [u8]) -> Result<Self, ModelError> {
        let err = |message: String| ModelError::Load {
            path: "<embedded>".into(),
            message,
        };
        let model = Model::load_static_slice(bytes).map_err(|e| err(e.to_string()))?;
        Self::from_model(model).map_err(|e| err(e.to_string()))
    }

    fn from_model(model: Model) -> Result<Self, rten::RunError> {
        let input = model.node_id("image")?;
        let output = model.node_id("probs")?;
        Ok(Self {
            model,
            pool: std::sync::Arc::new(rten::ThreadPool::with_num_threads(1)),
            input,
            output,
        })
    }
}
