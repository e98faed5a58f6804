"""Small CRNN for MRZ text lines: [N,1,32,W] -> [N, W/4, 38].

Two stems share every weight shape, so one can be initialised from the other:
- "pool" (run 1-2 models): conv3x3 then 2x2 max-pool, twice;
- "stride" (run 3 on): the first two convolutions step 2 pixels instead of pooling.
  Same parameters, a quarter of the work in the first two layers, and it measured 35%
  faster per line in rten (examples/model_speed.rs), where the im2col packing of the
  full-resolution layers was as costly as the matrix products themselves.
"""
import numpy as np
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

    def train(self, mode=True):
        super().train(mode)
        if getattr(self, "bn_frozen", False):
            for mod in self.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.eval()
        return self

    def freeze_bn(self):
        """Keep every BatchNorm in eval mode (running statistics fixed) even in train():
        a BN then is a per-channel scale and shift, as in a model loaded from an ONNX
        file whose BN is folded into the convolutions (load_onnx)."""
        self.bn_frozen = True
        return self.train(self.training)

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


def load_onnx(path, stem_kind="stride"):
    """A CRNN holding the weights of an exported model (training/export.py).

    The export folds BatchNorm into the convolutions, so each conv gets the folded
    weight and its BN becomes the identity plus the folded bias (gamma 1, mean 0,
    var 1 - eps, beta = bias), with BN frozen (CRNN.freeze_bn) so training keeps it
    so. Exporting the result folds it back into the same graph."""
    import onnx
    from onnx import numpy_helper

    mo = onnx.load(path)
    init = {i.name: numpy_helper.to_array(i) for i in mo.graph.initializer}
    m = CRNN(stem_kind=stem_kind)
    convs = [n for n in mo.graph.node if n.op_type == "Conv"]
    tconvs = [(i, mod) for i, mod in enumerate(m.cnn) if isinstance(mod, nn.Conv2d)]
    assert len(convs) == len(tconvs), (len(convs), len(tconvs))
    sd = {}
    for node, (i, conv) in zip(convs, tconvs):
        w, b = init[node.input[1]], init[node.input[2]]
        assert tuple(w.shape) == tuple(conv.weight.shape), (node.name, w.shape, conv.weight.shape)
        bn = m.cnn[i + 1]
        sd["cnn.%d.weight" % i] = torch.from_numpy(w.copy())
        sd["cnn.%d.weight" % (i + 1)] = torch.ones(w.shape[0])
        sd["cnn.%d.bias" % (i + 1)] = torch.from_numpy(b.copy())
        sd["cnn.%d.running_mean" % (i + 1)] = torch.zeros(w.shape[0])
        sd["cnn.%d.running_var" % (i + 1)] = torch.full((w.shape[0],), 1.0 - bn.eps)
        sd["cnn.%d.num_batches_tracked" % (i + 1)] = torch.tensor(0)
    lstm = [n for n in mo.graph.node if n.op_type == "LSTM"][0]
    W, R, B = (init[lstm.input[k]] for k in (1, 2, 3))  # [2,4H,in], [2,4H,H], [2,8H]
    H = R.shape[-1]

    def gates(a):  # ONNX gate order i, o, f, c -> torch i, f, g(c), o
        i, o, f, c = (a[k * H:(k + 1) * H] for k in range(4))
        return torch.from_numpy(np.concatenate([i, f, c, o]).copy())

    for d, suf in ((0, ""), (1, "_reverse")):
        sd["rnn.weight_ih_l0" + suf] = gates(W[d])
        sd["rnn.weight_hh_l0" + suf] = gates(R[d])
        sd["rnn.bias_ih_l0" + suf] = gates(B[d][:4 * H])
        sd["rnn.bias_hh_l0" + suf] = gates(B[d][4 * H:])
    mm = [n for n in mo.graph.node if n.op_type == "MatMul"][0]
    add = [n for n in mo.graph.node if n.op_type == "Add" and mm.output[0] in n.input][0]
    sd["fc.weight"] = torch.from_numpy(init[mm.input[1]].T.copy())
    sd["fc.bias"] = torch.from_numpy(init[[x for x in add.input if x != mm.output[0]][0]].copy())
    m.load_state_dict(sd, strict=True)
    m.freeze_bn()
    return m


def count_params(m):
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    m = CRNN()
    print(count_params(m), CRNN(stem_kind="pool").state_dict().keys() == m.state_dict().keys())
    print(m(torch.zeros(2, 1, 32, 400)).shape)
