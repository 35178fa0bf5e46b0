"""Writes timm models (random weights, no download) as safetensors state_dicts, with their forward
pass on a fixed input.

usage: timm_reference.py OUT_DIR INPUT.f32 N SIZE ARCH[:PREFIX[:half]]...

Each model is timm.create_model(ARCH, pretrained=False, num_classes=0) in eval mode. BatchNorm's
running statistics and affine parameters are drawn at random too (timm initialises them to 0/1),
so a mistake in how they are read would show in the output. INPUT.f32 holds N images of SIZE×SIZE×3
(NHWC, float32). For each ARCH, OUT_DIR gets ARCH.safetensors (safetensors.torch.save_file of the
state_dict; with :PREFIX every name carries PREFIX, as a DataParallel `module.` wrapper saves them,
and the files are named ARCH-prefixed.*; with :half the tensors are saved as float16, ARCH-half.*,
and the output is the float32 forward pass of those rounded weights) and ARCH.f32, timm's pooled
features (N × num_features).
"""
import os
import sys

import numpy as np
import timm
import torch
from safetensors.torch import save_file

out_dir, input_file, n, size = sys.argv[1:5]
n, size = int(n), int(size)
x = np.fromfile(input_file, dtype="<f4").reshape(n, size, size, 3).transpose(0, 3, 1, 2)
x = torch.from_numpy(np.ascontiguousarray(x))
for job in sys.argv[5:]:
    arch, prefix, dtype = (job.split(":") + ["", ""])[:3]
    stem = os.path.join(out_dir, arch + ("-half" if dtype else "-prefixed" if prefix else ""))
    torch.manual_seed(3)
    model = timm.create_model(arch, pretrained=False, num_classes=0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    if dtype == "half":
        model = model.half().float()
        state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    else:
        state = model.state_dict()
    save_file({prefix + k: v.contiguous() for k, v in state.items()}, stem + ".safetensors")
    with torch.no_grad():
        y = model(x)
    np.asarray(y.numpy(), dtype="<f4").tofile(stem + ".f32")
