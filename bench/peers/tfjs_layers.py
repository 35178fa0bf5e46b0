"""Reads a TensorFlow.js LayersModel folder (model.json + weight shards) into a Keras 3 model.

The bases in ../shared/models are tfjs LayersModels whose layers are all stock Keras classes
(InputLayer, ZeroPadding2D, Conv2D, DepthwiseConv2D, ReLU, Add, ...). This reader builds the same
functional graph layer by layer from the topology and sets every layer's weights by name from the
float32 shards, so Keras computes with exactly the weights the workbench trains from. (The
`tensorflowjs` converter on PyPI does the same through tf-keras; reading the format directly keeps
the reference environment free of it.)
"""
import json
import os

import numpy as np

# Config keys each layer class takes; anything else in a tfjs config (initializers, regularizers,
# names of Keras 2 arguments) is irrelevant once the weights are set.
_ARGS = {
    "ZeroPadding2D": ["padding"],
    "Conv2D": ["filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"],
    "DepthwiseConv2D": ["kernel_size", "strides", "padding", "depth_multiplier", "dilation_rate", "activation", "use_bias"],
    "ReLU": ["max_value", "negative_slope", "threshold"],
    "Add": [],
    "Concatenate": ["axis"],
    "MaxPooling2D": ["pool_size", "strides", "padding"],
    "AveragePooling2D": ["pool_size", "strides", "padding"],
    "GlobalAveragePooling2D": [],
    "Dense": ["units", "activation", "use_bias"],
    "Activation": ["activation"],
    "Dropout": ["rate"],
    "Flatten": [],
}
# Each layer class's weights in the order Keras' set_weights takes them.
_WEIGHTS = {
    "Conv2D": ["kernel", "bias"],
    "DepthwiseConv2D": ["depthwise_kernel", "bias"],
    "Dense": ["kernel", "bias"],
}


def _layer(keras, class_name, config):
    if class_name not in _ARGS:
        raise ValueError(f"tfjs_layers: layer class {class_name} ({config.get('name')}) is not supported")
    kwargs = {k: config[k] for k in _ARGS[class_name] if k in config and config[k] is not None}
    if class_name == "ZeroPadding2D":
        kwargs["padding"] = tuple(tuple(p) for p in kwargs["padding"])
    for key in ("kernel_size", "strides", "dilation_rate", "pool_size"):
        if key in kwargs and isinstance(kwargs[key], list):
            kwargs[key] = tuple(kwargs[key])
    return getattr(keras.layers, class_name)(name=config["name"], **kwargs)


def load_tfjs_layers_model(folder, input_size=None):
    """The Keras model of a tfjs LayersModel folder, weights set; `input_size` fixes the square input side."""
    import keras

    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)
    topology = manifest["modelTopology"]
    topology = topology.get("model_config", topology)
    config = topology["config"]
    tensors = {}
    for spec in config["layers"]:
        name, class_name = spec["name"], spec["class_name"]
        if class_name == "InputLayer":
            shape = spec["config"].get("batch_input_shape") or spec["config"]["batch_shape"]
            shape = list(shape[1:])
            if input_size is not None:
                shape[0], shape[1] = input_size, input_size
            tensors[name] = keras.Input(shape=tuple(shape), name=name)
            continue
        inbound = [tensors[src] for src, *_ in spec["inbound_nodes"][0]]
        layer = _layer(keras, class_name, spec["config"])
        tensors[name] = layer(inbound if len(inbound) > 1 else inbound[0])
    inputs = [tensors[i[0]] for i in config["input_layers"]]
    outputs = [tensors[o[0]] for o in config["output_layers"]]
    model = keras.Model(inputs=inputs[0] if len(inputs) == 1 else inputs,
                        outputs=outputs[0] if len(outputs) == 1 else outputs, name=config["name"])
    _set_weights(model, folder, manifest["weightsManifest"])
    return model


def _set_weights(model, folder, groups):
    values = {}
    for group in groups:
        data = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if w.get("dtype", "float32") != "float32":
                raise ValueError(f"tfjs_layers: weight {w['name']} is {w['dtype']}, only float32 is supported")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            values[w["name"]] = np.frombuffer(data, "<f4", count, offset).reshape(w["shape"])
            offset += 4 * count
    used = set()
    for layer in model.layers:
        names = _WEIGHTS.get(type(layer).__name__)
        if not names:
            continue
        keys = [f"{layer.name}/{n}" for n in names if f"{layer.name}/{n}" in values]
        layer.set_weights([values[k] for k in keys])
        used.update(keys)
    missing = set(values) - used
    if missing:
        raise ValueError(f"tfjs_layers: {len(missing)} weights have no layer, e.g. {sorted(missing)[0]}")
