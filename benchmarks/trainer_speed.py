"""Speed of nnlab's ``train.fit`` against a tight NumPy loop and PyTorch eager, in one run.

Implementations are interleaved in rounds (the order rotates every round), so machine noise hits
all alike; each row reports the median over rounds of (block time / epochs in the block), with
nothing subtracted. Two problems, both full-batch plain SGD (lr 1.0) with softmax + cross-entropy
on spiral data:

- ``small``: 100 samples x 3 classes, 2-64-3 ReLU; BLAS pinned to one thread. nnlab float32 and
  float64, the tight loop in both (plus, for information, the float32 loop reducing the
  loss and accuracy scalars every epoch as a trainer must), PyTorch eager on one thread, and the
  naive book-style loop (per-sample softmax Jacobian) on fewer epochs.
- ``large``: 33,334 samples x 3 classes = 100,002 samples, 2-512-512-3 ReLU (FLOP-bound); all
  NumPy implementations share one BLAS thread count (``--large-threads``, default 2, which beats
  1 on the 2-core machine this was written on; the bare loop is also timed with the other count).
  nnlab float32, the bare loop (the same tight loop: matmuls + minimal elementwise ops), PyTorch
  eager on the same number of threads and on one.

usage: python benchmarks/trainer_speed.py [--problem small|large|all] [--rounds N] [--quick]
       [--large-threads 1|2] [--no-torch] [--no-book]
"""

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from harness import load_average
from threadpoolctl import threadpool_info, threadpool_limits

from nnlab import data, nn, optim, schedules, train
from nnlab.run import provenance

SMALL_SIZES = [2, 64, 3]
LARGE_SIZES = [2, 512, 512, 3]
SMALL_SAMPLES = 100  # per class -> 300 samples
LARGE_SAMPLES = 33_334  # per class -> 100,002 samples
QUICK_LARGE_SAMPLES = 8_334  # per class -> 25,002 samples (--quick only)
BOOK_EPOCHS = 10_001  # the book's run length, for the extrapolated column
LR = 1.0
NOISY = 1.15  # a row whose median exceeds its minimum by this factor is flagged


# --------------------------------------------------------------------------------------------
# implementations: each is make_*(...) -> (step(epochs), finish() -> (loss, accuracy))
# --------------------------------------------------------------------------------------------


def make_nnlab(ds: data.Dataset, sizes: list[int], dtype) -> tuple[Callable, Callable]:
    """nnlab as a user runs it: ``train.fit`` with plain SGD, a constant rate, no validation set
    and no callbacks. Each block is one ``fit`` call continuing from the previous weights."""
    net = nn.mlp(
        sizes[0], sizes[1:-1], sizes[-1], task="categorical", rng=np.random.default_rng(2),
        dtype=dtype,
    )  # fmt: skip
    rule, schedule = optim.sgd(), schedules.constant(LR)
    state = {}

    def step(epochs: int) -> None:
        state["history"] = train.fit(net, ds, rule, schedule, epochs=epochs)

    def finish() -> tuple[float, float]:
        history = state["history"]
        return history.last("train/loss"), history.last("train/accuracy")

    return step, finish


def make_tight(X, y, sizes, dtype=np.float32, scalars=False):
    """The tight loop: the per-call floor of NumPy.

    No per-epoch allocation except tiny loss/acc temporaries. Row-wise max/sum over the (n, C)
    logits are done column by column; ReLU backward is a multiply by a preallocated mask;
    reductions use np.add.reduce directly. The loss/accuracy scalars are reduced only at the end
    (each epoch keeps the picked probabilities and the argmax). ``scalars=True`` (not in the
    tight loop proper) also reduces them every epoch, as a trainer that records a history must."""
    rng = np.random.RandomState(0)  # noqa: NPY002 - weights of its own, not nnlab's
    X = np.ascontiguousarray(X, dtype=dtype)
    n = X.shape[0]
    L = len(sizes) - 1
    C = sizes[-1]
    W = [(0.01 * rng.randn(a, b)).astype(dtype) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    b = [np.zeros(s, dtype) for s in sizes[1:]]
    A = [X] + [np.empty((n, s), dtype) for s in sizes[1:]]  # A[i+1] = layer i output
    G = [np.empty((n, s), dtype) for s in sizes[1:]]  # grads wrt pre-activations
    M = [np.empty((n, s), bool) for s in sizes[1:-1]]  # ReLU masks
    dW = [np.empty_like(w) for w in W]
    db = [np.empty_like(v) for v in b]
    rows = np.arange(n)
    rmax = np.empty(n, dtype)
    rsum = np.empty(n, dtype)
    lr_ = dtype(LR)
    inv_n = dtype(1.0 / n)
    lo, hi = dtype(1e-7), dtype(1 - 1e-7)
    add_reduce, matmul, maximum, multiply = np.add.reduce, np.matmul, np.maximum, np.multiply
    st = {}

    def one():
        for i in range(L):
            out = A[i + 1]
            matmul(A[i], W[i], out=out)
            out += b[i]
            if i < L - 1:
                np.greater(out, 0, out=M[i])
                multiply(out, M[i], out=out)  # ReLU; np.maximum is ~2x slower
        z = A[L]
        np.copyto(rmax, z[:, 0])
        for j in range(1, C):
            maximum(rmax, z[:, j], out=rmax)
        z -= rmax[:, None]
        np.exp(z, out=z)
        np.copyto(rsum, z[:, 0])
        for j in range(1, C):
            np.add(rsum, z[:, j], out=rsum)
        z /= rsum[:, None]  # z now = probs
        st["pc"] = z[rows, y]
        st["am"] = z.argmax(1)
        if scalars:  # clip with dtype scalars: np.clip with Python floats costs ~2 us more
            pc = st["pc"]
            maximum(pc, lo, out=pc)
            np.minimum(pc, hi, out=pc)
            np.log(pc, out=pc)
            st["loss"] = -float(add_reduce(pc)) / n
            st["hits"] = int(np.count_nonzero(st["am"] == y))
        g = G[L - 1]
        np.copyto(g, z)
        g[rows, y] -= 1
        g *= inv_n
        for i in range(L - 1, -1, -1):
            matmul(A[i].T, G[i], out=dW[i])
            add_reduce(G[i], axis=0, out=db[i])
            if i > 0:
                matmul(G[i], W[i].T, out=G[i - 1])
                multiply(G[i - 1], M[i - 1], out=G[i - 1])
            dW[i] *= lr_
            W[i] -= dW[i]
            db[i] *= lr_
            b[i] -= db[i]

    def step(epochs: int) -> None:
        for _ in range(epochs):
            one()

    def finish():
        if scalars:
            return st["loss"], st["hits"] / n
        loss = float(-np.log(np.clip(st["pc"], 1e-7, 1 - 1e-7)).mean())
        return loss, float(np.mean(st["am"] == y))

    return step, finish


def make_torch(X, y, sizes):
    """PyTorch eager (nn.Sequential, F.cross_entropy, optim.SGD); threads are set by the harness
    before each block."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    layers = []
    for i, (a, b_) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        lin = torch.nn.Linear(a, b_)
        with torch.no_grad():
            lin.weight.normal_(0, 0.01)
            lin.bias.zero_()
        layers.append(lin)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(torch.float32)
    Xt = torch.as_tensor(np.asarray(X), dtype=torch.float32)
    yt = torch.as_tensor(np.asarray(y), dtype=torch.long)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    st = {}

    def one():
        logits = model(Xt)
        loss = F.cross_entropy(logits, yt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            st["r"] = (loss.detach(), (logits.argmax(1) == yt).float().mean())

    def step(epochs: int) -> None:
        for _ in range(epochs):
            one()

    return step, lambda: tuple(float(v) for v in st["r"])


def make_book(X, y, sizes):
    """The naive book-style (NNFS) loop: separate Softmax whose backward builds each sample's
    Jacobian ``diagflat(s) - s s^T`` in a Python loop, then categorical cross-entropy backward
    ``-onehot / p / n``; np.dot layers, allocating everything, float64 as in the book."""
    rng = np.random.default_rng(0)
    X = np.asarray(X, dtype=np.float64)
    shapes = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [0.01 * rng.standard_normal(shape) for shape in shapes]
    biases = [np.zeros((1, b)) for b in sizes[1:]]
    st = {}

    def softmax_backward(output, dvalues):
        dinputs = np.empty_like(dvalues)
        for index, (single_output, single_dvalues) in enumerate(zip(output, dvalues, strict=True)):
            single_output = single_output.reshape(-1, 1)
            jacobian = np.diagflat(single_output) - np.dot(single_output, single_output.T)
            dinputs[index] = np.dot(jacobian, single_dvalues)
        return dinputs

    def one():
        inputs, relu_inputs = [], []
        a = X
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            inputs.append(a)
            a = np.dot(a, w) + b
            if i < len(weights) - 1:
                relu_inputs.append(a)
                a = np.maximum(0, a)
        exp_values = np.exp(a - np.max(a, axis=1, keepdims=True))
        probs = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(probs, 1e-7, 1 - 1e-7)
        loss = np.mean(-np.log(clipped[range(len(probs)), y]))
        accuracy = np.mean(np.argmax(probs, axis=1) == y)
        # backward: CCE, then Softmax (per-sample Jacobian), then the layers
        dvalues = -np.eye(probs.shape[1])[y] / probs / len(probs)
        dvalues = softmax_backward(probs, dvalues)
        grads = []
        for i in range(len(weights) - 1, -1, -1):
            grads.append((np.dot(inputs[i].T, dvalues), np.sum(dvalues, axis=0, keepdims=True)))
            if i > 0:
                dvalues = np.dot(dvalues, weights[i].T)
                dvalues = dvalues.copy()
                dvalues[relu_inputs[i - 1] <= 0] = 0
        for i, (dweights, dbiases) in enumerate(reversed(grads)):
            weights[i] += -LR * dweights
            biases[i] += -LR * dbiases
        st["r"] = (float(loss), float(accuracy))

    def step(epochs: int) -> None:
        for _ in range(epochs):
            one()

    return step, lambda: st["r"]


# --------------------------------------------------------------------------------------------
# harness
# --------------------------------------------------------------------------------------------


@dataclass
class Impl:
    name: str
    step: Callable[[int], None]
    finish: Callable[[], tuple[float, float]]
    block: int  # epochs per round
    blas_threads: int | None = None  # for NumPy implementations
    torch_threads: int | None = None  # for PyTorch implementations
    note: str = ""
    times: list[float] = field(default_factory=list)  # seconds per epoch, one per round

    def run(self, epochs: int) -> float:
        """Seconds per epoch over a block of ``epochs``, under this implementation's threads."""
        if self.torch_threads is not None:
            import torch

            torch.set_num_threads(self.torch_threads)
        with threadpool_limits(limits=self.blas_threads or 1, user_api="blas"):
            start = time.perf_counter()
            self.step(epochs)
            return (time.perf_counter() - start) / epochs

    @property
    def threads(self) -> str:
        return str(self.torch_threads if self.torch_threads is not None else self.blas_threads)

    @property
    def median(self) -> float:
        return float(np.median(self.times))


def run_rounds(impls: list[Impl], rounds: int, warmup_epochs: dict[str, int] | None = None):
    for impl in impls:  # warm-up: first-touch buffers, caches, lazy imports
        impl.run((warmup_epochs or {}).get(impl.name, impl.block))
    for r in range(rounds):
        k = r % len(impls)
        for impl in impls[k:] + impls[:k]:
            impl.times.append(impl.run(impl.block))


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def print_table(title: str, impls: list[Impl], unit: str, scale: float, book_column: bool):
    print(f"\n== {title}")
    head = f"{'impl':<12}{'thr':>4}{'ep/rnd':>8}{'median ' + unit:>15}{'min':>10}{'max':>10}"
    if book_column:
        head += f"{'s/10001 ep':>12}"
    head += f"{'loss':>9}{'acc':>7}  note"
    print(head)
    print("-" * len(head))
    for impl in impls:
        loss, acc = impl.finish()
        line = (
            f"{impl.name:<12}{impl.threads:>4}{impl.block:>8}{impl.median * scale:>15.1f}"
            f"{min(impl.times) * scale:>10.1f}{max(impl.times) * scale:>10.1f}"
        )
        if book_column:
            line += f"{impl.median * BOOK_EPOCHS:>12.2f}"
        line += f"{loss:>9.4f}{acc:>7.3f}  {impl.note}"
        print(line)
    noisy = [impl.name for impl in impls if impl.median > NOISY * min(impl.times)]
    if noisy:
        print(
            f"WARNING noisy: median > {NOISY} x min for {', '.join(noisy)} (other work on the "
            "machine?); rerun when it is quiet, or read the ratios of minimums"
        )


def print_ratio(num: Impl | None, den: Impl | None, op: str | None, target: float | None):
    """Ratio of medians (the verdict), with the ratio of minimums and the interquartile range of
    the per-round ratios beside it to judge noise, and a PASS/MISS mark."""
    if num is None or den is None:
        return
    ratio = num.median / den.median
    paired = np.array(num.times) / np.array(den.times)
    q1, q3 = np.percentile(paired, [25, 75])
    mins = min(num.times) / min(den.times)
    text = (
        f"{num.name + ' / ' + den.name:<26}{ratio:>7.3f}x   (of mins {mins:.3f}x, "
        f"per-round IQR [{q1:.3f}, {q3:.3f}])"
    )
    if target is None:
        print(f"{text}   (info)")
    else:
        ok = ratio <= target if op == "<=" else ratio > target if op == ">" else ratio >= target
        print(f"{text}   target {op} {target:<5} {'PASS' if ok else 'MISS'}")


def small_problem(rounds: int, quick: bool, with_torch: bool, with_book: bool) -> None:
    block = 200 if quick else 500
    ds32, ds64 = (
        data.make(
            "spiral", samples=SMALL_SAMPLES, classes=3, train_rng=np.random.default_rng(0),
            val_rng=np.random.default_rng(1), dtype=dtype,
        )
        for dtype in (np.float32, np.float64)
    )  # fmt: skip
    X, y = ds64.x_train, ds64.y_train
    impls = [
        Impl("nnlab_f32", *make_nnlab(ds32, SMALL_SIZES, np.float32), block, blas_threads=1,
             note="train.fit"),
        Impl("tight_f32", *make_tight(X, y, SMALL_SIZES, dtype=np.float32), block, blas_threads=1),
        Impl("tight+s_f32", *make_tight(X, y, SMALL_SIZES, dtype=np.float32, scalars=True), block,
             blas_threads=1, note="info: tight + per-epoch loss/accuracy scalars"),
        Impl("nnlab_f64", *make_nnlab(ds64, SMALL_SIZES, np.float64), block, blas_threads=1,
             note="train.fit"),
        Impl("tight_f64", *make_tight(X, y, SMALL_SIZES, dtype=np.float64), block, blas_threads=1),
    ]  # fmt: skip
    if with_torch:
        impls.append(
            Impl("torch_t1", *make_torch(X, y, SMALL_SIZES), block, torch_threads=1,
                 note="eager float32, set_num_threads(1)")
        )  # fmt: skip
    if with_book:
        impls.append(
            Impl("book_f64", *make_book(X, y, SMALL_SIZES), 5 if quick else 20, blas_threads=1,
                 note="per-sample diagflat Jacobian")
        )  # fmt: skip
    print(
        f"\nsmall: spiral {SMALL_SAMPLES} x 3 = {len(X)} samples, {'-'.join(map(str, SMALL_SIZES))}"
        f" ReLU + softmax-CE, full batch, SGD lr {LR}; BLAS 1 thread; {rounds} rounds"
    )
    run_rounds(impls, rounds)
    print_table("small (per epoch, median over rounds)", impls, "us", 1e6, book_column=True)
    by = {impl.name: impl for impl in impls}
    print()
    print_ratio(by["nnlab_f32"], by["tight_f32"], "<=", 1.2)
    print_ratio(by["nnlab_f32"], by["tight+s_f32"], None, None)
    print_ratio(by["nnlab_f64"], by["tight_f64"], None, None)
    print_ratio(by.get("torch_t1"), by["nnlab_f32"], ">=", 3.0)
    print_ratio(by.get("book_f64"), by["nnlab_f64"], None, None)


def large_problem(rounds: int, quick: bool, with_torch: bool, blas: int) -> None:
    samples = QUICK_LARGE_SAMPLES if quick else LARGE_SAMPLES
    block = 1 if quick else 3
    ds = data.make(
        "spiral", samples=samples, classes=3, train_rng=np.random.default_rng(0),
        val_rng=np.random.default_rng(1), dtype=np.float32,
    )  # fmt: skip
    X, y = ds.x_train, ds.y_train
    bare = make_tight(X, y, LARGE_SIZES, dtype=np.float32)
    other = 1 if blas == 2 else 2  # the other BLAS setting (--large-threads is 1 or 2), a check
    impls = [
        Impl("nnlab_f32", *make_nnlab(ds, LARGE_SIZES, np.float32), block, blas_threads=blas,
             note="train.fit"),
        Impl("bare_f32", *bare, block, blas_threads=blas,
             note="tight loop (matmuls + minimal elementwise ops)"),
        Impl(f"bare_f32_t{other}", *bare, block, blas_threads=other,
             note=f"thread check: the same loop with {other} BLAS thread(s)"),
    ]  # fmt: skip
    if with_torch:  # the target row runs on NumPy's thread count; one thread for information
        impls.append(
            Impl(
                f"torch_t{blas}",
                *make_torch(X, y, LARGE_SIZES),
                block,
                torch_threads=blas,
                note=f"eager float32, {blas} thread(s) as NumPy",
            )
        )
        if blas != 1:
            impls.append(
                Impl(
                    "torch_t1",
                    *make_torch(X, y, LARGE_SIZES),
                    block,
                    torch_threads=1,
                    note="eager float32, set_num_threads(1)",
                )
            )
    print(
        f"\nlarge: spiral {samples:,} x 3 = {len(X):,} samples, "
        f"{'-'.join(map(str, LARGE_SIZES))} ReLU + softmax-CE float32, full batch, SGD lr {LR}; "
        f"NumPy BLAS {blas} thread(s); {rounds} rounds of {block} epoch(s)"
    )
    run_rounds(impls, rounds, warmup_epochs={impl.name: 1 for impl in impls})
    print_table("large (per epoch, median over rounds)", impls, "ms", 1e3, book_column=False)
    by = {impl.name: impl for impl in impls}
    print()
    print_ratio(by["nnlab_f32"], by["bare_f32"], "<=", 1.15)
    print_ratio(by[f"bare_f32_t{other}"], by["bare_f32"], None, None)
    if with_torch:
        print_ratio(by[f"torch_t{blas}"], by["nnlab_f32"], ">", 1.0)
        if blas != 1:
            print_ratio(by["torch_t1"], by["nnlab_f32"], None, None)


def describe_environment() -> None:
    blas = [
        f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    commit, dirty = provenance.git_state(Path(__file__).resolve().parent)
    rev = f"{commit[:12]}{' (dirty)' if dirty else ''}"
    print(
        f"python {platform.python_version()}, numpy {np.__version__} [{', '.join(blas)}], "
        f"torch {torch_version}, {os.cpu_count()} CPUs, nnlab {rev}; {load_average()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", choices=("small", "large", "all"), default="all")
    parser.add_argument("--rounds", type=int, help="rounds per problem (default 31 small, 8 large)")
    parser.add_argument("--quick", action="store_true", help="smoke run, under ~30 s in all")
    parser.add_argument(
        "--large-threads",
        type=int,
        choices=(1, 2),
        default=2,
        help="BLAS threads for the NumPy implementations on the large problem (default 2)",
    )
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--no-book", action="store_true", help="skip the book-style loop")
    args = parser.parse_args()  # fmt: skip
    with_torch = not args.no_torch and torch_available()
    describe_environment()
    start = time.perf_counter()
    if args.problem in ("small", "all"):
        rounds = args.rounds or (5 if args.quick else 31)
        small_problem(rounds, args.quick, with_torch, not args.no_book)
    if args.problem in ("large", "all"):
        rounds = args.rounds or (3 if args.quick else 8)
        large_problem(rounds, args.quick, with_torch, args.large_threads)
    print(f"\ntotal {time.perf_counter() - start:.0f} s; {load_average()}")


if __name__ == "__main__":
    main()
