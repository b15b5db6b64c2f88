#!/usr/bin/env python3
"""Peer throughput for the photo recipe: one two-view Deep InfoMax training step in PyTorch (CPU).

Extends ../shared/peers/torch_dim_step.py (read-only there) to the step dimsearch's photo encoders
train with (main/ml/shipped/photo-recipes.ts, main/ml/dim/objective.ts two-view branch): DIM-64
(4x[conv3x3-BN-LReLU-maxpool] 32/64/128/256 -> local 4x4x256, 2x[conv3x3 256-BN-LReLU] -> global
max pool -> z_mean, z_logvar (256)); two views of the batch; global InfoNCE between the views'
codes (cosine / 0.2, both directions); local InfoNCE of every local feature of one view against
every code of the other (1x1 conv and linear map, cosine / 0.2, both directions); loss
0.5*global + 1.5*local; Adam 1e-3. The views are given (augmentation is timed apart on both sides).

Usage:  /usr/bin/python3 torch_dim_photo_step.py [--size 64] [--batch 64] [--steps 10] [--threads 2]
Prints one line: torch-dim-photo train img/s=<float> infer img/s=<float>   (images = photos, two views each)
"""
import argparse, time
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--size', type=int, default=64)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--steps', type=int, default=10)
p.add_argument('--threads', type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

def block(i, o, pool=True):
    return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.LeakyReLU(0.2)] + ([nn.MaxPool2d(2)] if pool else [])

class Encoder(nn.Module):
    def __init__(self, z=256):
        super().__init__()
        chans = [32, 64, 128, 256] if a.size >= 64 else [64, 128, 256]
        layers, c = [], 3
        for o in chans:
            layers += block(c, o); c = o
        self.local = nn.Sequential(*layers)
        self.top = nn.Sequential(*block(256, 256, False), *block(256, 256, False))
        self.mean, self.logvar = nn.Linear(256, z), nn.Linear(256, z)
    def forward(self, x):
        c = self.local(x)
        h = torch.amax(self.top(c), dim=(2, 3))
        return c, self.mean(h), self.logvar(h)

enc = Encoder()
phi, psi = nn.Conv2d(256, 256, 1), nn.Linear(256, 256)
opt = torch.optim.Adam(list(enc.parameters()) + list(phi.parameters()) + list(psi.parameters()), 1e-3)
x1 = torch.rand(a.batch, 3, a.size, a.size) - 0.5
x2 = torch.rand(a.batch, 3, a.size, a.size) - 0.5
labels = torch.arange(a.batch)

def local_nce(c, z):
    pc = F.normalize(phi(c), dim=1).flatten(2)            # B x D x P
    pz = F.normalize(psi(z), dim=1)                       # B x D
    s = torch.einsum('bdp,nd->bpn', pc, pz) / 0.2         # B x P x B
    return F.cross_entropy(s.reshape(-1, a.batch), labels.repeat_interleave(s.shape[1]))

def step():
    c1, m1, _ = enc(x1); c2, m2, _ = enc(x2)
    z1, z2 = F.normalize(m1, dim=1), F.normalize(m2, dim=1)
    g = (F.cross_entropy(z1 @ z2.T / 0.2, labels) + F.cross_entropy(z2 @ z1.T / 0.2, labels)) / 2
    l = (local_nce(c1, m2) + local_nce(c2, m1)) / 2
    loss = 0.5 * g + 1.5 * l
    opt.zero_grad(); loss.backward(); opt.step()

for _ in range(2): step()
t = time.time()
for _ in range(a.steps): step()
train = a.batch * a.steps / (time.time() - t)

enc.eval()
with torch.no_grad():
    enc(x1)
    t = time.time()
    for _ in range(a.steps): enc(x1)
    infer = a.batch * a.steps / (time.time() - t)
print(f'torch-dim-photo train img/s={train:.1f} infer img/s={infer:.1f}')
