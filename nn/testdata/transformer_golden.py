"""Writes transformer_golden.json, the PyTorch reference for TestTransformerGolden.

Run from this directory with PyTorch (1.13 was used):

    python3 transformer_golden.py

It builds, in float64, the bit-sequence GFlowNet network as its authors' code
does (token embedding, sinusoidal positions added to the unscaled embedding,
nn.TransformerEncoder of post-norm nn.TransformerEncoderLayer with ReLU, and an
nn.Linear at every position), perturbs every parameter so that no layer equals
another and no gain is one, and records, in eval mode (no dropout), the outputs
and the gradients of sum(W * output) for a fixed W, without and with a
key-padding mask. Parameters are written in gogfn's order and layout: linear
weights as [in x out], i.e. transposed from PyTorch's [out x in].
"""
import json
import math

import torch
from torch import nn

torch.set_default_dtype(torch.float64)
torch.manual_seed(20261201)

VOCAB, OUT, DIM, HEADS, FF, LAYERS = 7, 9, 8, 2, 12, 2
B, L = 3, 5


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout, max_len):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(0)])


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.pos_encoder = PositionalEncoding(DIM, 0.1, L + 2)
        layer = nn.TransformerEncoderLayer(DIM, HEADS, FF, 0.1)
        self.transformer_encoder = nn.TransformerEncoder(layer, LAYERS)
        self.embedding = nn.Embedding(VOCAB, DIM)
        self.linear = nn.Linear(DIM, OUT)

    def forward(self, src, pad=None):  # src [L x B]
        x = self.pos_encoder(self.embedding(src))
        x = self.transformer_encoder(x, src_key_padding_mask=pad)
        return self.linear(x)


model = Model()
with torch.no_grad():
    for p in model.parameters():
        p.add_(0.2 * torch.randn_like(p))
model.eval()


def ordered(model):
    """The parameters in gogfn's nn.Transformer.Params order and layout."""
    ps = [model.embedding.weight]
    for l in model.transformer_encoder.layers:
        a = l.self_attn
        ps += [a.in_proj_weight.T, a.in_proj_bias[None, :], a.out_proj.weight.T, a.out_proj.bias[None, :],
               l.norm1.weight[None, :], l.norm1.bias[None, :],
               l.linear1.weight.T, l.linear1.bias[None, :], l.linear2.weight.T, l.linear2.bias[None, :],
               l.norm2.weight[None, :], l.norm2.bias[None, :]]
    return ps + [model.linear.weight.T, model.linear.bias[None, :]]


def flat(t):
    return [float(v) for v in t.detach().contiguous().reshape(-1)]


tokens = torch.randint(0, VOCAB, (B, L))
w = torch.randn(B * L, OUT)
valid = torch.ones(B, L, dtype=torch.bool)
valid[0, 1] = valid[0, 4] = valid[2, 0] = False

cases = []
for mask in [None, valid]:
    model.zero_grad()
    pad = None if mask is None else ~mask
    out = model(tokens.T, pad).permute(1, 0, 2).reshape(B * L, OUT)  # row b*L+i
    (w * out).sum().backward()
    gs = [model.embedding.weight.grad]
    for l in model.transformer_encoder.layers:
        a = l.self_attn
        gs += [a.in_proj_weight.grad.T, a.in_proj_bias.grad, a.out_proj.weight.grad.T, a.out_proj.bias.grad,
               l.norm1.weight.grad, l.norm1.bias.grad, l.linear1.weight.grad.T, l.linear1.bias.grad,
               l.linear2.weight.grad.T, l.linear2.bias.grad, l.norm2.weight.grad, l.norm2.bias.grad]
    gs += [model.linear.weight.grad.T, model.linear.bias.grad]
    cases.append({"valid": None if mask is None else [bool(v) for v in mask.reshape(-1)],
                  "out": flat(out), "grads": [flat(g) for g in gs]})

golden = {
    "torch": torch.__version__,
    "config": {"Vocab": VOCAB, "Out": OUT, "Dim": DIM, "Heads": HEADS, "FF": FF, "Layers": LAYERS},
    "B": B, "L": L,
    "tokens": [int(v) for v in tokens.reshape(-1)],
    "params": [{"rows": p.shape[0], "cols": p.shape[1], "data": flat(p)} for p in ordered(model)],
    "w": flat(w),
    "cases": cases,
}
with open("transformer_golden.json", "w") as f:
    json.dump(golden, f)
    f.write("\n")
