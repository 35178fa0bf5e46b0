"""Regenerates keras-affine-reference.json (needs numpy + scipy; not run by the test suite).

The transform is Keras 2.9+'s `apply_affine_transform` for channels_last images (shear left out),
which ends in scipy.ndimage.affine_transform; the test compares the TypeScript augmenter with it.
"""
import json

import numpy as np
import scipy
from scipy import ndimage

H = W = 8
img = np.array([[[((r * W + c) * 3 + ch) * 37 % 251 for ch in range(3)] for c in range(W)] for r in range(H)], dtype=np.float64)


def offset_center(m, x, y):
    o_x, o_y = float(x) / 2 + 0.5, float(y) / 2 + 0.5
    return np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]]) @ m @ np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])


def keras_apply(x, theta, tx, ty, zx, zy, fill_mode, cval, order, row_axis=0, col_axis=1, channel_axis=2):
    tm = None
    if theta != 0:
        t = np.deg2rad(theta)
        tm = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        s = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        tm = s if tm is None else tm @ s
    if zx != 1 or zy != 1:
        z = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        tm = z if tm is None else tm @ z
    tm = offset_center(tm, x.shape[row_axis], x.shape[col_axis])
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        tm[:, [0, 1]] = tm[:, [1, 0]]
        tm[[0, 1]] = tm[[1, 0]]
    channels = [ndimage.affine_transform(c, tm[:2, :2], tm[:2, 2], order=order, mode=fill_mode, cval=cval) for c in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


cases = []
for theta, tx, ty, zx, zy in [(0, 2, 0, 1, 1), (0, 0, -1.5, 1, 1), (30, 0, 0, 1, 1), (-20, 1.3, 0.7, 1, 1), (0, 0, 0, 0.8, 1.2), (12, -0.6, 1.1, 1.1, 0.9)]:
    for mode in ['nearest', 'reflect', 'constant']:
        for order in [1, 0]:
            if order == 0 and mode != 'nearest' and theta != 30:
                continue
            out = keras_apply(img, theta, tx, ty, zx, zy, mode, 9.0, order)
            cases.append(dict(theta=theta, tx=tx, ty=ty, zx=zx, zy=zy, mode=mode, order=order, out=[round(float(v), 3) for v in out.reshape(-1)]))
note = f'scipy {scipy.__version__} ndimage.affine_transform through Keras 2.9+ apply_affine_transform (channels_last); input pixel (r,c,ch) = (((r*8+c)*3+ch)*37) % 251'
with open('keras-affine-reference.json', 'w') as f:
    json.dump(dict(note=note, height=H, width=W, cases=cases), f)
