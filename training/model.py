"""Small CRNN for MRZ text lines: [N,1,32,W] -> [N, W/4, 38].

Two stems share every weight shape, so one can be initialised from the other:
- "pool" (run 1-2 models): conv3x3 then 2x2 max-pool, twice;
- "stride" (run 3 on): the first two convolutions step 2 pixels instead of pooling.
  Same parameters, a quarter of the work in the first two layers, and it measured 35%
  faster per line in rten (examples/model_speed.rs), where the im2col packing of the
  full-resolution layers was as costly as the matrix products themselves.
"""
import torch
import torch.nn as nn

NUM_CLASSES = 38  # blank + "0-9A-Z<"


def conv_bn(cin, cout, k=3, pad=1, stride=1):
    return [nn.Conv2d(cin, cout, k, stride=stride, padding=pad, bias=False), nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True)]


STEMS = ("pool", "stride")


def stem(kind):
    if kind == "pool":
        return [*conv_bn(1, 16), nn.MaxPool2d(2, 2),     # 16 x W/2
                *conv_bn(16, 32), nn.MaxPool2d(2, 2)]    # 8  x W/4
    if kind == "stride":
        # Identity modules keep the Sequential indices (and so the state-dict keys) of
        # the pooled stem, so checkpoints load across stems.
        return [*conv_bn(1, 16, stride=2), nn.Identity(),   # 16 x W/2
                *conv_bn(16, 32, stride=2), nn.Identity()]  # 8  x W/4
    raise ValueError(kind)


class CRNN(nn.Module):
    def __init__(self, hidden=64, nclass=NUM_CLASSES, stem_kind="stride"):
        super().__init__()
        self.cnn = nn.Sequential(
            *stem(stem_kind),
            *conv_bn(32, 64), nn.MaxPool2d((2, 1), (2, 1)),  # 4  x W/4
            *conv_bn(64, 64), nn.MaxPool2d((2, 1), (2, 1)),  # 2  x W/4
            *conv_bn(64, 96, k=(2, 3), pad=(0, 1)),          # 1  x W/4
        )
        self.rnn = nn.LSTM(96, hidden, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, nclass)

    def forward(self, x):
        """Returns logits [N, T, C]."""
        f = self.cnn(x)            # [N, 96, 1, T]
        f = f.squeeze(2)           # [N, 96, T]
        f = f.permute(2, 0, 1)     # [T, N, 96]
        f, _ = self.rnn(f)         # [T, N, 2H]
        f = self.fc(f)             # [T, N, C]
        return f.permute(1, 0, 2)  # [N, T, C]


class CRNNProbs(nn.Module):
    """Export wrapper: softmax probabilities."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image):
        return torch.softmax(self.m(image), dim=-1)


def count_params(m):
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    m = CRNN()
    print(count_params(m), CRNN(stem_kind="pool").state_dict().keys() == m.state_dict().keys())
    print(m(torch.zeros(2, 1, 32, 400)).shape)
