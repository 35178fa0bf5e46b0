#!/usr/bin/env python3
"""PyTorch CPU peer of bench/engine.bench.ts: the same models, batch sizes and steps, timed the same way.

Prints one JSON object on stdout: {"framework", "version", "threads", "sgemmGflops", "results": [{workload,
batch, imagesPerSecond}]}. Runs with the reference environment's python (scripts/python-env.mjs);
progress goes to stderr.
"""
import argparse
import json
import sys
import time

import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""  # CPU only, whatever build of torch is installed
# OpenMP workers that spin while they wait steal the very cores they wait for on a shared machine:
# on the 2-core box of BENCHMARKS.md under load the Seed CNN forward pass ran 5x slower spinning.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import schedule, timed


def seed_cnn() -> nn.Module:
    # Conv2D(32)->ReLU->MaxPool, Conv2D(64)->ReLU->MaxPool, Flatten, Dense 512 ReLU, Dense 10 (softmax in the loss)
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 512), nn.ReLU(), nn.Linear(512, 10),
    )


def vgg16_base() -> nn.Module:
    layers, cin = [], 3
    for filters, convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(convs):
            layers += [nn.Conv2d(cin, filters, 3, padding=1), nn.ReLU()]
            cin = filters
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        self.expand = nn.Conv2d(cin, hidden, 1) if expand != 1 else None
        # BatchNorm folded into the convs, as in ../shared/models/mobilenetv2-imagenet: convs carry biases.
        self.depthwise = nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden)
        self.project = nn.Conv2d(hidden, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        h = F.relu6(self.expand(x)) if self.expand is not None else x
        h = self.project(F.relu6(self.depthwise(h)))
        return x + h if self.residual else h


def mobilenet_v2() -> nn.Module:
    blocks, cin = [InvertedResidual(32, 16, 1, 1)], 16
    for t, c, n, s in [(6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
            cin = c
    stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU6())
    head = nn.Sequential(nn.Conv2d(320, 1280, 1), nn.ReLU6())
    model = nn.Sequential(stem, *blocks, head, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1280, 10))
    # Fine-tuning as in the tfjs bench: blocks 13..16, the head conv and the classifier train.
    for p in model.parameters():
        p.requires_grad = False
    for module in list(model)[1 + 13:]:
        for p in module.parameters():
            p.requires_grad = True
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    # Accepted for the same command line as keras_peer.py; the speed does not depend on the weights,
    # so MobileNetV2 runs with random ones here.
    parser.add_argument("--mobilenet", help="ignored")
    args = parser.parse_args()
    # Intra- and inter-op threads equal, as for TensorFlow (tfjs-node and Keras).
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    torch.manual_seed(0)
    iterations, warmup, rounds = schedule(args.quick)
    results = []

    def forward_step(model, x):
        def step():
            with torch.no_grad():
                model(x)
        return step

    def train_step(model, x, y):
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return step

    def record(workload, batch, step):
        model_seconds = timed(f"pytorch {workload} b{batch}", iterations, warmup, step, rounds)
        results.append({"workload": workload, "batch": batch, "imagesPerSecond": batch / model_seconds})

    seed = seed_cnn().train()
    x, y = torch.rand(64, 3, 32, 32) * 2 - 1, torch.arange(64) % 10
    record("seed-forward", 64, forward_step(seed.eval(), x))
    record("seed-train", 64, train_step(seed.train(), x, y))

    vgg = vgg16_base().eval()
    record("vgg16-forward", 32, forward_step(vgg, torch.rand(32, 3, 32, 32)))

    mobilenet = mobilenet_v2()
    x, y = torch.rand(32, 3, 96, 96) * 2 - 1, torch.arange(32) % 10
    record("mobilenet-forward", 32, forward_step(mobilenet.eval(), x))
    record("mobilenet-finetune", 32, train_step(mobilenet.train(), x, y))

    # The machine's practical FP32 peak: PyTorch's sgemm (oneDNN/OpenBLAS, native FMA) on a large product.
    a, b = torch.rand(2048, 2048), torch.rand(2048, 2048)
    best = timed("pytorch sgemm 2048^3", 1, 1, lambda: torch.mm(a, b), 5)
    sgemm_gflops = 2 * 2048 ** 3 / best / 1e9
    json.dump({"framework": "PyTorch", "version": f"torch {torch.__version__}", "threads": torch.get_num_threads(),
               "sgemmGflops": sgemm_gflops,
               "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
