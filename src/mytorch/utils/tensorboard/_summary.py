"""``Summary`` protocol buffers for each kind of record, built with the ``tensorboard`` package's protobufs.

Each function returns what TensorBoard's plugins read: the scalar plugin's ``simple_value`` (or a
tensor for ``new_style``), ``HistogramProto``, PNG-encoded ``Summary.Image``, the text, PR-curve and
hparams plugins' tensors and plugin data. The layouts are the ones PyTorch's writer produces, so a
log written by mytorch reads back in TensorBoard (and in ``EventAccumulator``) exactly like PyTorch's.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ._convert import to_hwc, to_numpy


def default_bins() -> list[float]:
    """TensorFlow's histogram bucket edges: ±1e-12·1.1^k up to 1e20, and 0 (what PyTorch's writer uses)."""
    edges = []
    v = 1e-12
    while v < 1e20:
        edges.append(v)
        v *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


def scalar(tag: str, value: Any, new_style: bool = False, double_precision: bool = False) -> Summary:
    """One scalar: ``simple_value`` (float32 on disk), or a DT_FLOAT/DT_DOUBLE tensor under ``new_style``."""
    arr = to_numpy(value).squeeze()
    if arr.ndim != 0:
        raise ValueError(f"add_scalar({tag!r}) needs one value, got {arr.size} values of shape {arr.shape}")
    x = float(arr)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=x)])
    if double_precision:
        proto = TensorProto(double_val=[x], dtype="DT_DOUBLE")
    else:
        proto = TensorProto(float_val=[x], dtype="DT_FLOAT")
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=proto, metadata=meta)])


def histogram_raw(tag: str, min: float, max: float, num: int, sum: float, sum_squares: float,
                  bucket_limits: Any, bucket_counts: Any) -> Summary:
    """A histogram from its statistics; ``bucket_limits[i]`` is the upper edge of bucket ``i``."""
    limits = to_numpy(bucket_limits).reshape(-1).tolist()
    counts = to_numpy(bucket_counts).reshape(-1).tolist()
    if len(limits) != len(counts):
        raise ValueError(f"bucket_limits has {len(limits)} entries but bucket_counts has {len(counts)}; "
                         "they must be equally long")
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=limits, bucket=counts)
    return Summary(value=[Summary.Value(tag=tag, histo=hist)])


def make_histogram(values: np.ndarray, bins: Any, max_bins: int | None = None) -> HistogramProto:
    """Count ``values`` into ``bins`` (NumPy's ``histogram``), merge to at most ``max_bins``, trim empty ends.

    The stored buckets run from one empty bucket before the first non-empty one to the last
    non-empty one (an empty bucket of width zero is prepended when the first bucket is occupied),
    with their upper edges as limits -- the layout TensorBoard's histogram plugin expects.
    """
    values = values.reshape(-1)
    if values.size == 0:
        raise ValueError("add_histogram needs at least one value, got an empty input")
    if not np.isfinite(values).all():
        raise ValueError("add_histogram needs finite values; the input holds NaN or infinity")
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        extra = len(counts) % group
        if extra:
            counts = np.pad(counts, (0, group - extra))
        counts = counts.reshape(-1, group).sum(axis=-1)
        merged = np.empty(counts.size + 1, limits.dtype)
        merged[:-1] = limits[:-1:group]
        merged[-1] = limits[-1]
        limits = merged
    occupied = np.flatnonzero(counts)
    if occupied.size == 0:
        raise ValueError("add_histogram: no value falls inside the given bins")
    first, last = int(occupied[0]), int(occupied[-1])
    kept = counts[first - 1 : last + 1] if first > 0 else np.concatenate([[0], counts[: last + 1]])
    edges = limits[first : last + 2]
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=edges.tolist(), bucket=kept.tolist())


def histogram(tag: str, values: Any, bins: Any, max_bins: int | None = None) -> Summary:
    """A histogram of ``values`` (any shape, counted in float64)."""
    hist = make_histogram(to_numpy(values).astype(float), bins, max_bins)
    return Summary(value=[Summary.Value(tag=tag, histo=hist)])


def encode_png_hwc(hwc: np.ndarray) -> bytes:
    """PNG bytes of a uint8 (H, W, C) array, C in {3, 4} (Pillow)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(hwc).save(buf, format="PNG")
    return buf.getvalue()


def image(tag: str, img: Any, dataformats: str = "NCHW") -> Summary:
    """One PNG image; float input is taken as [0, 1] and scaled by 255, uint8 as [0, 255]; both clipped.

    A 4-letter format (a batch) is tiled 8 images to a row.
    """
    arr = to_numpy(img)
    hwc = to_hwc(arr, dataformats)
    scale = 1 if hwc.dtype == np.uint8 else 255
    hwc = (hwc.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    h, w, c = hwc.shape
    if c not in (3, 4):
        raise ValueError(f"an image needs 1, 3 or 4 channels, got {c} (shape {arr.shape}, {dataformats!r})")
    proto = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encode_png_hwc(hwc))
    return Summary(value=[Summary.Value(tag=tag, image=proto)])


def text(tag: str, text_string: str) -> Summary:
    """A text record (Markdown in TensorBoard) under ``tag + "/text_summary"``, as PyTorch names it."""
    from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
        plugin_name="text", content=TextPluginData(version=0).SerializeToString()))
    proto = TensorProto(dtype="DT_STRING", string_val=[str(text_string).encode("utf-8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=meta, tensor=proto)])


def _pr_summary(tag: str, data: np.ndarray, num_thresholds: int) -> Summary:
    from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData

    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves", content=content))
    proto = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(),
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=s) for s in data.shape]))
    return Summary(value=[Summary.Value(tag=tag, metadata=meta, tensor=proto)])


def compute_pr_curve(labels: np.ndarray, predictions: np.ndarray, num_thresholds: int,
                     weights: Any = None) -> np.ndarray:
    r"""The (6, T) table TP, FP, TN, FN, precision, recall at thresholds :math:`t_k = k/(T-1)`.

    A prediction p falls in bucket :math:`\lfloor p (T-1) \rfloor`; the counts at threshold k are
    the (weighted) positives/negatives in buckets ≥ k; precision = TP / max(1e-7, TP + FP) and
    recall = TP / max(1e-7, TP + FN).
    """
    w = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    pos = labels.astype(np.float64)
    rng = (0, num_thresholds - 1)
    tp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=pos * w)
    fp_b, _ = np.histogram(buckets, bins=num_thresholds, range=rng, weights=(1.0 - pos) * w)
    tp = np.cumsum(tp_b[::-1])[::-1]
    fp = np.cumsum(fp_b[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve(tag: str, labels: Any, predictions: Any, num_thresholds: int = 127, weights: Any = None) -> Summary:
    """A precision-recall curve (at most 127 thresholds, the PR plugin's limit)."""
    num_thresholds = min(int(num_thresholds), 127)
    if num_thresholds < 2:
        raise ValueError(f"num_thresholds must be at least 2, got {num_thresholds}")
    lab, pred = to_numpy(labels), to_numpy(predictions)
    if lab.shape != pred.shape:
        raise ValueError(f"labels (shape {lab.shape}) and predictions (shape {pred.shape}) must have one shape")
    wts = None if weights is None else to_numpy(weights)
    return _pr_summary(tag, compute_pr_curve(lab, pred, num_thresholds, wts), num_thresholds)


def pr_curve_raw(tag: str, tp: Any, fp: Any, tn: Any, fn: Any, precision: Any, recall: Any,
                 num_thresholds: int = 127) -> Summary:
    """A precision-recall curve from its six precomputed rows."""
    num_thresholds = min(int(num_thresholds), 127)
    data = np.stack([to_numpy(a).reshape(-1) for a in (tp, fp, tn, fn, precision, recall)])
    return _pr_summary(tag, data, num_thresholds)


def _hparam_value(name: str, v: Any, ssi: Any, discrete: list | None):
    """Store one hyperparameter in the session-start info; return its ``HParamInfo`` (or None to skip)."""
    from tensorboard.plugins.hparams.api_pb2 import DataType, HParamInfo

    from ..._tensor import Tensor

    def domain(kind: str):
        if discrete is None:
            return None
        return struct_pb2.ListValue(values=[struct_pb2.Value(**{kind: d}) for d in discrete])

    # Order matters and follows PyTorch: bool is an int, so True/False are logged as numbers.
    if isinstance(v, (int, float)):
        ssi.hparams[name].number_value = v
        return HParamInfo(name=name, type=DataType.Value("DATA_TYPE_FLOAT64"), domain_discrete=domain("number_value"))
    if isinstance(v, str):
        ssi.hparams[name].string_value = v
        return HParamInfo(name=name, type=DataType.Value("DATA_TYPE_STRING"), domain_discrete=domain("string_value"))
    if isinstance(v, Tensor):
        ssi.hparams[name].number_value = float(to_numpy(v).reshape(-1)[0])
        return HParamInfo(name=name, type=DataType.Value("DATA_TYPE_FLOAT64"))
    raise ValueError(f"hyperparameter {name!r} is a {type(v).__name__}; it must be an int, float, str, bool "
                     "or a mytorch.Tensor")


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None):
    """The hparams plugin's three records: experiment (names of hparams and metrics), session start, end."""
    from tensorboard.plugins.hparams.api_pb2 import Experiment, MetricInfo, MetricName, Status
    from tensorboard.plugins.hparams.metadata import (
        EXPERIMENT_TAG,
        PLUGIN_DATA_VERSION,
        PLUGIN_NAME,
        SESSION_END_INFO_TAG,
        SESSION_START_INFO_TAG,
    )
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo

    if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
        raise TypeError("hparam_dict and metric_dict must be dicts")
    discrete = hparam_domain_discrete or {}
    if not isinstance(discrete, dict):
        raise TypeError("hparam_domain_discrete must be a dict of lists")
    for k, vals in discrete.items():
        if k not in hparam_dict or not isinstance(vals, list) or not all(
                isinstance(d, type(hparam_dict[k])) for d in vals):
            raise TypeError(f"hparam_domain_discrete[{k!r}] must be a list of values of the type of hparam_dict[{k!r}]")
    ssi = SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        info = _hparam_value(k, v, ssi, discrete.get(k))
        infos.append(info)

    def wrap(tag: str, **data: Any) -> Summary:
        content = HParamsPluginData(version=PLUGIN_DATA_VERSION, **data).SerializeToString()
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=content))
        return Summary(value=[Summary.Value(tag=tag, metadata=meta)])

    exp = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    sei = SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))
    return (wrap(EXPERIMENT_TAG, experiment=exp), wrap(SESSION_START_INFO_TAG, session_start_info=ssi),
            wrap(SESSION_END_INFO_TAG, session_end_info=sei))


def custom_scalars(layout: dict) -> Summary:
    """The custom-scalars plugin's layout: {category: {chart: ["Multiline", tags] or ["Margin", [v, lo, hi]]}}."""
    from tensorboard.plugins.custom_scalar import layout_pb2

    categories = []
    for title, charts in layout.items():
        made = []
        for chart_name, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(f"a Margin chart needs three tags (value, lower, upper), got {tags!r}")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                made.append(layout_pb2.Chart(title=chart_name, margin=layout_pb2.MarginChartContent(series=[series])))
            else:
                made.append(layout_pb2.Chart(title=chart_name, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=title, chart=made))
    proto = TensorProto(dtype="DT_STRING", string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
                        tensor_shape=TensorShapeProto())
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom_scalars"))
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", tensor=proto, metadata=meta)])
