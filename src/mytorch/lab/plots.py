"""The report's figures: a metric vs epoch, one panel per regime, every optimizer's mean over seeds with a band.

The band spans the seeds' minimum to maximum at each epoch (no band with one seed). Returns PNG bytes.
"""

from __future__ import annotations

import io


def curves_png(curves: dict[str, dict[str, list[list[dict]]]], key: str, ylabel: str,
               ylim: tuple[float, float] | None = None, title: str = "") -> bytes:
    """``curves[regime][optimizer]`` is the list of each seed's metrics rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    regimes = list(curves)
    fig, axes = plt.subplots(1, len(regimes), figsize=(5.5 * len(regimes), 4.2), squeeze=False, sharey=True)
    for ax, regime in zip(axes[0], regimes):
        for label, runs in curves[regime].items():
            by_epoch: dict[int, list[float]] = {}
            for rows in runs:
                for r in rows:
                    by_epoch.setdefault(r["epoch"], []).append(r[key])
            if not by_epoch:
                continue
            epochs = sorted(by_epoch)
            mean = [sum(by_epoch[e]) / len(by_epoch[e]) for e in epochs]
            (line,) = ax.plot(epochs, mean, marker="o" if len(epochs) < 30 else None, ms=3, label=label)
            if len(runs) > 1:
                ax.fill_between(epochs, [min(by_epoch[e]) for e in epochs], [max(by_epoch[e]) for e in epochs],
                                color=line.get_color(), alpha=0.2, linewidth=0)
        ax.set_title(regime)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if ylim is not None:
            ax.set_ylim(*ylim)
    axes[0][0].set_ylabel(ylabel)
    if axes[0][-1].get_legend_handles_labels()[0]:  # runs not finished yet: no lines, no legend
        axes[0][-1].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def trials_png(rows: list[dict], x: str, y: str, regimes: list[str]) -> bytes:
    """Tuning trials: ``y`` (validation loss) against ``x`` (a hyper-parameter, log scale), one panel per
    regime, one colour per optimizer, each optimizer's chosen trial circled; diverged trials are left out."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(regimes), figsize=(5.5 * len(regimes), 4.2), squeeze=False, sharey=True)
    labels = list(dict.fromkeys(r["optimizer"] for r in rows))
    for ax, regime in zip(axes[0], regimes):
        for i, label in enumerate(labels):
            pts = [r for r in rows if r["regime"] == regime and r["optimizer"] == label and r[x] is not None
                   and r[x] > 0 and math.isfinite(r[y])]
            if not pts:
                continue
            pts.sort(key=lambda r: r[x])
            color = f"C{i % 10}"
            ax.plot([r[x] for r in pts], [r[y] for r in pts], "o", color=color, ms=4, alpha=0.8, label=label)
            for r in pts:
                if r["chosen"]:
                    ax.plot([r[x]], [r[y]], "o", ms=11, mfc="none", mec=color, mew=1.8)
        ax.set_xscale("log")
        ax.set_title(regime)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel(y.replace("_", " "))
    if axes[0][-1].get_legend_handles_labels()[0]:  # runs not finished yet: no lines, no legend
        axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
