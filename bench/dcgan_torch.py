# dcgan_torch.py: the DCGAN step of bench/dcgan.mjs in native PyTorch on one thread (Debian's
# python3-torch), the same shapes: G z100 -> 7x7x64 -> 14x14x32 -> 28x28x1 (batch norm, ReLU,
# tanh), D mirrored with strided convolutions (leaky ReLU 0.2), batch 64, Adam 2e-4 (beta1 0.5)
# for both; one step = one D update (64 real + 64 generated) and one G update.
# Prints the steps per second of the best of 3 rounds.
import sys, time
import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(1)
B = 64
G = nn.Sequential(nn.Linear(100, 7 * 7 * 64), nn.BatchNorm1d(7 * 7 * 64), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                  nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                  nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh())
D = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Flatten(), nn.Linear(7 * 7 * 64, 1))
opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(B * 20, 1, 28, 28) * 2 - 1
ones, zeros = torch.ones(B, 1), torch.zeros(B, 1)

def step(k):
    x = real[(k % 20) * B:(k % 20 + 1) * B]
    fake = G(torch.randn(B, 100))
    opt_d.zero_grad()
    (bce(D(x), ones) + bce(D(fake.detach()), zeros)).backward()
    opt_d.step()
    opt_g.zero_grad()
    bce(D(G(torch.randn(B, 100))), ones).backward()
    opt_g.step()

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
for k in range(5):
    step(k)
best = 0.0
for r in range(3):
    t0 = time.perf_counter()
    for k in range(steps):
        step(k)
    best = max(best, steps / (time.perf_counter() - t0))
print(f"{best:.3f} {torch.__version__}")
