"""``RULES``: every rule registers itself from its own module, under the factory contract that
lets a config schema be derived from the factory's signature."""

import math
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nnlab
from nnlab import optim
from nnlab.optim import RULES, UpdateRule, hyperparameters, register

# the book's defaults, the one place each is defined being the factory's signature
BOOK_DEFAULTS = {
    "sgd": {"momentum": (float, 0.0)},
    "adagrad": {"epsilon": (float, 1e-7)},
    "rmsprop": {"rho": (float, 0.9), "epsilon": (float, 1e-7)},
    "adam": {"beta_1": (float, 0.9), "beta_2": (float, 0.999), "epsilon": (float, 1e-7)},
}


def test_every_rule_is_registered_with_the_books_defaults():
    assert {name: hyperparameters(factory) for name, factory in RULES.items()} == BOOK_DEFAULTS


@pytest.mark.parametrize("name", RULES)
def test_a_registered_rule_is_a_package_attribute(name):
    assert getattr(optim, name) is RULES[name]
    assert name in optim.__all__


@pytest.mark.parametrize("name", RULES)
def test_registered_factories_follow_the_contract(name):
    factory = RULES[name]
    arguments = hyperparameters(factory)
    for argument, (kind, default) in arguments.items():
        assert isinstance(default, kind), argument
        # each argument is checked by the factory, and the message starts with its name
        with pytest.raises(ValueError, match=f"^{argument} must be"):
            factory(**{argument: math.nan})
    assert isinstance(factory(), UpdateRule)


def _no_annotation(momentum=0.0): ...


def _no_default(momentum: float): ...


def _positional_only(momentum: float = 0.0, /): ...


def _var_keyword(**options: float): ...


@pytest.mark.parametrize("factory", [_no_annotation, _no_default, _positional_only, _var_keyword])
def test_a_factory_that_breaks_the_contract_is_refused(factory):
    with pytest.raises(TypeError, match="keyword argument with a type annotation and a default"):
        register(factory)
    assert factory.__name__ not in RULES


def test_a_name_is_registered_once():
    def sgd(momentum: float = 0.5) -> UpdateRule: ...

    original = RULES["sgd"]
    with pytest.raises(ValueError, match="^an update rule called sgd is registered already$"):
        register(sgd)
    assert RULES["sgd"] is original


NEW_RULE = '''\
    """signSGD (Bernstein et al., 2018): delta_t = -lr_t * scale * sign(g_t)."""

    import numpy as np

    from nnlab.checks import in_range
    from nnlab.optim.base import Params, UpdateRule, zeros_like
    from nnlab.optim.registry import register


    @register
    def sign_sgd(scale: float = 1.0) -> UpdateRule:
        in_range("scale", scale, 0.0, low_open=True)

        def init(params: Params) -> Params:
            return zeros_like(params)

        def update(grads: Params, state: Params, lr: float, params: Params):
            for key, grad in grads.items():
                np.sign(grad, out=state[key])
                state[key] *= -lr * scale
            return state, state

        return UpdateRule(init, update)
'''

USE_NEW_RULE = """\
    import numpy as np

    import nnlab
    from nnlab import data, nn, optim, schedules, train
    from nnlab.optim import sign_sgd

    print(nnlab.__file__)
    print(sorted(optim.RULES), optim.RULES["sign_sgd"] is sign_sgd)
    print(optim.hyperparameters(sign_sgd))
    ds = data.make(
        "spiral", samples=20, train_rng=np.random.default_rng(0), val_rng=np.random.default_rng(1)
    )
    net = nn.mlp(2, [8], 3, task="categorical", rng=np.random.default_rng(2))
    history = train.fit(net, ds, sign_sgd(), schedules.constant(0.01), epochs=20)
    print(history.metrics["train/loss"][-1] < history.metrics["train/loss"][0])
"""


def test_a_new_module_is_a_rule_without_editing_another_file(tmp_path):
    """A copy of the package plus ``optim/sign_sgd.py``, nothing else changed."""
    package = Path(nnlab.__file__).parent
    shutil.copytree(package, tmp_path / "nnlab", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "nnlab" / "optim" / "sign_sgd.py").write_text(textwrap.dedent(NEW_RULE))
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(USE_NEW_RULE)],
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(tmp_path / "nnlab" / "__init__.py"),
        "['adagrad', 'adam', 'rmsprop', 'sgd', 'sign_sgd'] True",
        "{'scale': (<class 'float'>, 1.0)}",
        "True",
    ]
