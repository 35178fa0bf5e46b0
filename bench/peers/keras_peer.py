#!/usr/bin/env python3
"""Keras (on TensorFlow, CPU) peer of bench/engine.bench.ts: the same models, batch sizes and steps.

Seed CNN forward and Adam training step, the VGG16 conv base at 32 px forward, and MobileNetV2 at
96 px (the ImageNet weights of ../shared/models, read by tfjs_layers.py) forward and fine-tuning from
block_13_expand on, with the steps Keras users run: `predict_on_batch` and `train_on_batch` (compiled
tf.functions). With --eager the same calls run eagerly (`run_eagerly=True`): TensorFlow executes op
by op, as tfjs-node does, which separates the cost of the kernels from what TensorFlow's graph
compiler saves. Prints one JSON object on stdout; progress goes to stderr.
"""
import argparse
import json
import os
import sys

from common import quiet_tensorflow, schedule, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mobilenet", help="tfjs LayersModel folder of MobileNetV2")
    parser.add_argument("--eager", action="store_true", help="run every step eagerly (run_eagerly=True)")
    args = parser.parse_args()
    tf = quiet_tensorflow(args.threads)
    import keras
    import numpy as np

    from tfjs_layers import load_tfjs_layers_model

    keras.utils.set_random_seed(0)
    iterations, warmup, rounds = schedule(args.quick)
    results = []
    rng = np.random.default_rng(1)

    label = "keras-eager" if args.eager else "keras"

    def batch(n, size):
        x = rng.uniform(-1, 1, (n, size, size, 3)).astype("float32")
        y = np.eye(10, dtype="float32")[np.arange(n) % 10]
        return x, y

    def record(workload, n, step):
        seconds = timed(f"{label} {workload} b{n}", iterations, warmup, step, rounds)
        results.append({"workload": workload, "batch": n, "imagesPerSecond": n / seconds})

    L = keras.layers
    seed = keras.Sequential([
        keras.Input((32, 32, 3)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax"),
    ])
    seed.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", run_eagerly=args.eager)
    x, y = batch(64, 32)
    record("seed-forward", 64, lambda: seed.predict_on_batch(x))
    record("seed-train", 64, lambda: seed.train_on_batch(x, y))
    # Keras' whole loop: one epoch of model.fit over 1,280 uint8 images scaled to [0, 1] as a user
    # does it (the workbench's seed-epoch runs its own loop over the same count).
    pixels = rng.integers(0, 256, (1280, 32, 32, 3), dtype=np.uint8)
    labels = np.eye(10, dtype="float32")[np.arange(1280) % 10]

    def epoch():
        seed.fit(pixels.astype("float32") / 255.0, labels, batch_size=64, epochs=1, shuffle=True, verbose=0)

    seconds = timed(f"{label} seed-epoch 1280", 1, 1, epoch, 1 if args.quick else 2)
    results.append({"workload": "seed-epoch", "batch": 64, "imagesPerSecond": 1280 / seconds})

    vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    xv, _ = batch(32, 32)
    if args.eager:
        vgg.compile(run_eagerly=True)
    record("vgg16-forward", 32, lambda: vgg.predict_on_batch(xv))

    if args.mobilenet and os.path.exists(os.path.join(args.mobilenet, "model.json")):
        base = load_tfjs_layers_model(args.mobilenet, 96)
        trainable = False
        for layer in base.layers:
            if layer.name == "block_13_expand":
                trainable = True
            layer.trainable = trainable
        inp = keras.Input((96, 96, 3))
        h = L.GlobalAveragePooling2D()(base(inp))
        model = keras.Model(inp, L.Dense(10, activation="softmax")(h))
        model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="categorical_crossentropy", run_eagerly=args.eager)
        xm, ym = batch(32, 96)
        record("mobilenet-forward", 32, lambda: model.predict_on_batch(xm))
        record("mobilenet-finetune", 32, lambda: model.train_on_batch(xm, ym))
    else:
        print(f"  {label}: MobileNetV2 skipped ({args.mobilenet} has no model.json)", file=sys.stderr)

    json.dump({"framework": "TensorFlow eager" if args.eager else "Keras", "version": f"keras {keras.__version__} on TensorFlow {tf.__version__}",
               "threads": args.threads, "results": results}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
