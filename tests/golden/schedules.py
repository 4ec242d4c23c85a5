# schedules.py: learning rates step by step from PyTorch's schedulers (Debian python3-torch), the
# golden values tests/node/schedules.test.mjs holds dlplay's schedules to. Rerun to regenerate:
#   python3 tests/golden/schedules.py > tests/golden/schedules.json
import json
import torch

def rates(make, steps, lr=0.1, metrics=None):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    s = make(opt)
    out = []
    for t in range(steps):
        out.append(opt.param_groups[0]['lr'])
        opt.step()
        if metrics is None:
            s.step()
        else:
            s.step(metrics[t])
    return out

S = torch.optim.lr_scheduler
cases = []
def case(name, ours, make, steps, lr=0.1, metrics=None):
    cases.append({'name': name, 'type': ours[0], 'lr': lr, 'options': ours[1], 'metrics': metrics,
                  'rates': rates(make, steps, lr, metrics)})

case('StepLR(step_size=7, gamma=0.5)', ('step', {'step_size': 7, 'gamma': 0.5}), lambda o: S.StepLR(o, 7, 0.5), 40)
case('ExponentialLR(gamma=0.9)', ('exponential', {'gamma': 0.9}), lambda o: S.ExponentialLR(o, 0.9), 40)
case('CosineAnnealingLR(T_max=20, eta_min=0.01), one period', ('cosine', {'period': 20, 'lr_min': 0.01, 'restart': 0}),
     lambda o: S.CosineAnnealingLR(o, 20, 0.01), 21)
case('CosineAnnealingWarmRestarts(T_0=10, T_mult=2, eta_min=0.001)', ('cosine', {'period': 10, 't_mult': 2, 'lr_min': 0.001}),
     lambda o: S.CosineAnnealingWarmRestarts(o, 10, 2, 0.001), 70)
case('PolynomialLR(total_iters=30, power=2)', ('polynomial', {'total': 30, 'power': 2}), lambda o: S.PolynomialLR(o, 30, 2.0), 40)
case('CyclicLR(0.1, 1.0, step_size_up=5, triangular)', ('cyclical', {'lr_max': 1.0, 'step_size': 5}),
     lambda o: S.CyclicLR(o, 0.1, 1.0, 5, mode='triangular', cycle_momentum=False), 40)
case('CyclicLR(0.1, 1.0, step_size_up=5, triangular2)', ('cyclical', {'lr_max': 1.0, 'step_size': 5, 'decay': 0.5}),
     lambda o: S.CyclicLR(o, 0.1, 1.0, 5, mode='triangular2', cycle_momentum=False), 40)
case('OneCycleLR(max_lr=0.1, total_steps=50, pct_start=0.3, div=25, final_div=1e4, cos)',
     ('onecycle', {'total': 50, 'pct': 0.3, 'div': 25, 'final_div': 1e4}),
     lambda o: S.OneCycleLR(o, 0.1, total_steps=50, pct_start=0.3, div_factor=25, final_div_factor=1e4, cycle_momentum=False), 50)
metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.69, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
case('ReduceLROnPlateau(factor=0.5, patience=2, threshold=0.01 abs, cooldown=2, min_lr=0.01)',
     ('plateau', {'factor': 0.5, 'patience': 2, 'min_delta': 0.01, 'cooldown': 2, 'lr_min': 0.01}),
     lambda o: S.ReduceLROnPlateau(o, 'min', 0.5, 2, threshold=0.01, threshold_mode='abs', cooldown=2, min_lr=0.01), len(metrics), metrics=metrics)
case('LinearLR(start_factor=1/5, total_iters=4): a 5-step warm-up', ('constant', {'warmup': 5}),
     lambda o: S.LinearLR(o, 0.2, 1.0, 4), 12)
print(json.dumps({'torch': torch.__version__, 'cases': cases}, indent=1))
